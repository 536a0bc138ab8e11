// insertField: sets fields (paths; nesting created) to values compiled once from templates:
//   "text"                 a string literal
//   "${metadata.<key>}"    the string form of a metadata value ("" when missing; `key` falls back to
//                          the message key); placeholders may sit inside text: "src-${metadata.topic}"
//   "${now}"               the current time, RFC 3339 UTC
//   "json:<value>"         a parsed JSON value (json:42, json:true, json:{"a":1}); invalid JSON is a
//                          config error at start-up, not a per-message failure
// Non-string config values (numbers, booleans, objects) are inserted as they are. An existing
// value is overwritten. Non-JSON payloads and non-object roots pass through unchanged.
import type { CompiledPath } from '@dataflow/api';
import { RecordError } from '../errors.js';
import { deriveMessage, isJsonObject } from '../message.js';
import type { JsonValue, Message, MetaValue } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader, clockOf } from './config.js';
import { PayloadEditor } from './json.js';
import { compileLayout, utcWallTime } from './time-format.js';
import type { TimeFormatter } from './time-format.js';

export const INSERT_FIELD_TYPE = 'insertField';

type TemplatePart = { kind: 'text'; text: string } | { kind: 'meta'; key: string } | { kind: 'now' };
type ValueSource = { kind: 'constant'; value: JsonValue } | { kind: 'template'; parts: readonly TemplatePart[] };

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const META_PREFIX = 'metadata.';
const RFC3339 = compileLayout('RFC3339') as TimeFormatter;

function deepFreeze(value: JsonValue): JsonValue {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function metaText(value: MetaValue | undefined): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function keyText(msg: Message): string {
  if (typeof msg.key === 'string') return msg.key;
  if (msg.key instanceof Uint8Array) return Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.byteLength).toString('utf8');
  return '';
}

export const insertFieldFactory: TransformFactory = {
  type: INSERT_FIELD_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['fields']);
    const now = clockOf(ctx);

    function compileTemplate(raw: unknown, field: string): ValueSource {
      if (typeof raw !== 'string') {
        if (raw === undefined) throw reader.error(field, 'needs a value');
        // Plain YAML scalars/objects: inserted as they are (frozen: shared by every message).
        return { kind: 'constant', value: deepFreeze(structuredClone(raw) as JsonValue) };
      }
      if (raw.startsWith('json:')) {
        try {
          return { kind: 'constant', value: deepFreeze(JSON.parse(raw.slice('json:'.length)) as JsonValue) };
        } catch (error) {
          throw reader.error(field, `invalid JSON after "json:": ${(error as Error).message}`);
        }
      }
      const parts: TemplatePart[] = [];
      let last = 0;
      for (const match of raw.matchAll(PLACEHOLDER)) {
        const name = (match[1] ?? '').trim();
        if (match.index > last) parts.push({ kind: 'text', text: raw.slice(last, match.index) });
        last = match.index + match[0].length;
        if (name === 'now') parts.push({ kind: 'now' });
        else if (name.startsWith(META_PREFIX) && name.length > META_PREFIX.length) parts.push({ kind: 'meta', key: name.slice(META_PREFIX.length) });
        else throw reader.error(field, `unknown placeholder "\${${name}}": use \${now} or \${metadata.<key>}`);
      }
      if (parts.length === 0) return { kind: 'constant', value: raw };
      if (last < raw.length) parts.push({ kind: 'text', text: raw.slice(last) });
      return { kind: 'template', parts };
    }

    const inserts: Array<{ path: CompiledPath; source: ValueSource }> = Object.entries(reader.requiredMap('fields')).map(([text, raw]) => {
      const field = `fields[${JSON.stringify(text)}]`;
      return { path: reader.compilePath(text, field), source: compileTemplate(raw, field) };
    });

    function render(parts: readonly TemplatePart[], msg: Message): string {
      let out = '';
      for (const part of parts) {
        if (part.kind === 'text') out += part.text;
        else if (part.kind === 'now') out += RFC3339(utcWallTime(now().getTime()));
        else if (Object.hasOwn(msg.meta, part.key)) out += metaText(msg.meta[part.key]);
        else if (part.key === 'key') out += keyText(msg);
      }
      return out;
    }

    return {
      type: INSERT_FIELD_TYPE,
      apply(msg: Message): Message[] {
        if (!isJsonObject(msg.value)) return [msg];
        const editor = new PayloadEditor(msg.value);
        for (const { path, source } of inserts) {
          const value = source.kind === 'constant' ? source.value : render(source.parts, msg);
          if (!editor.set(path.segments, value)) {
            throw new RecordError(`insertField: cannot write ${path.text}: a value on the way is not an object`);
          }
        }
        return [deriveMessage(msg, editor.value)];
      },
    };
  },
};
