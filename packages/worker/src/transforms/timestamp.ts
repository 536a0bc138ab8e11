// timestamp: writes the processing time into `fieldName` (default `created_at`), overwriting any
// value there. `format` is a Go layout or name (default RFC3339, e.g. `2024-01-15T10:30:00Z`), or an
// epoch format: Unix / UnixMilli / UnixMicro are numbers, UnixNano a digit string (it exceeds 2^53).
// Always UTC. Non-JSON payloads and non-object roots pass through unchanged; a path that cannot be
// written (it runs through a string, say) is a record error.
import { RecordError } from '../errors.js';
import { deriveMessage, isJsonObject } from '../message.js';
import type { JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader, clockOf } from './config.js';
import { PayloadEditor } from './json.js';
import { compileTimestampFormat } from './time-format.js';

export const TIMESTAMP_TYPE = 'timestamp';

export const timestampFactory: TransformFactory = {
  type: TIMESTAMP_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['fieldName', 'format']);
    const field = reader.compilePath(reader.optionalString('fieldName', 'created_at'), 'fieldName');
    const format = reader.optionalString('format', 'RFC3339');
    const render = compileTimestampFormat(format);
    if (render === undefined) {
      throw reader.error(
        'format',
        `${JSON.stringify(format)} is neither a known format (RFC3339, RFC3339Nano, Unix, UnixMilli, …) ` +
          'nor a Go layout such as "2006-01-02 15:04:05"',
      );
    }
    const now = clockOf(ctx);
    // Many messages share a millisecond: render each distinct instant once.
    let lastMs = Number.NaN;
    let lastValue: JsonValue = null;

    return {
      type: TIMESTAMP_TYPE,
      apply(msg: Message): Message[] {
        if (!isJsonObject(msg.value)) return [msg];
        const time = now();
        const ms = time.getTime();
        if (ms !== lastMs) {
          lastValue = render(time);
          lastMs = ms;
        }
        const editor = new PayloadEditor(msg.value);
        if (!editor.set(field.segments, lastValue)) {
          throw new RecordError(`timestamp: cannot write ${field.text}: a value on the way is not an object`);
        }
        return [deriveMessage(msg, editor.value)];
      },
    };
  },
};
