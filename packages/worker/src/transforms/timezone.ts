// timezone: converts time fields to another zone. Input: RFC 3339 strings (an offset-less one is
// read in `sourceTimezone`, default UTC), or epoch numbers / numeric strings — milliseconds when
// |n| ≥ 1e12, else seconds. Output `format`: RFC3339Nano (default; fraction trimmed, nanoseconds
// kept), RFC3339 (whole seconds) or UnixMilli (a number; the zone does not change it). Zero offset
// prints as `Z`, as Go does. Zones: IANA names (through Intl) or ±HH:MM. Missing and null fields are
// skipped; anything unparsable is a record error. Non-JSON payloads pass through unchanged.
import { TIMEZONE_FORMATS } from '@dataflow/api';
import type { CompiledPath } from '@dataflow/api';
import { RecordError } from '../errors.js';
import { deriveMessage, isRaw } from '../message.js';
import type { JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { instantFromEpoch, parseTimestampText, resolveZone, wallTimeIn } from './instant.js';
import type { Instant, Zone } from './instant.js';
import { PayloadEditor, preview, valueAt } from './json.js';
import { compileLayout } from './time-format.js';
import type { TimeFormatter } from './time-format.js';

export const TIMEZONE_TYPE = 'timezone';

function readZone(reader: ConfigReader, field: string, text: string): Zone {
  const zone = resolveZone(text);
  if (zone === undefined) {
    throw reader.error(field, `unknown time zone ${JSON.stringify(text)}: use an IANA name (Europe/Berlin), UTC, or an offset like +05:30`);
  }
  return zone;
}

export const timezoneFactory: TransformFactory = {
  type: TIMEZONE_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['timezone', 'fields', 'sourceTimezone', 'format']);
    const target = readZone(reader, 'timezone', reader.requiredString('timezone'));
    const fields: CompiledPath[] = reader.pathList('fields');
    const source = readZone(reader, 'sourceTimezone', reader.optionalString('sourceTimezone', 'UTC'));
    const format = reader.oneOf('format', TIMEZONE_FORMATS, 'RFC3339Nano');
    const layout = format === 'UnixMilli' ? undefined : (compileLayout(format) as TimeFormatter);

    function render(instant: Instant): JsonValue {
      if (layout === undefined) return instant.seconds * 1000 + Math.floor(instant.nanos / 1e6);
      return layout(wallTimeIn(instant, target));
    }

    function parse(value: JsonValue): Instant | undefined {
      if (typeof value === 'number') return instantFromEpoch(value);
      if (typeof value === 'string') return parseTimestampText(value, source);
      return undefined;
    }

    return {
      type: TIMEZONE_TYPE,
      apply(msg: Message): Message[] {
        if (isRaw(msg.value)) return [msg];
        let editor: PayloadEditor | undefined;
        for (const path of fields) {
          const value = valueAt(editor?.value ?? msg.value, path.segments);
          if (value === undefined || value === null) continue;
          const instant = parse(value);
          if (instant === undefined) {
            throw new RecordError(`timezone: ${path.text} = ${preview(value)} is not an RFC 3339 time or an epoch number`);
          }
          editor ??= new PayloadEditor(msg.value);
          editor.set(path.segments, render(instant));
        }
        return editor === undefined ? [msg] : [deriveMessage(msg, editor.value)];
      },
    };
  },
};
