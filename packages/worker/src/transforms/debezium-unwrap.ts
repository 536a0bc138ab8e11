// debeziumUnwrap: turns a Debezium change event into the row it carries. The envelope is
// `payload.{op,before,after,source}` (JSON converter with schemas) or the same keys at the root
// (schemas disabled). op c → after, `operation=insert`; u → after, `update`; r (snapshot) → after,
// `snapshotOperation`; d → before, `delete`. Metadata is copied, never mutated in place.
// A message without `op` passes through; an unknown op or a missing row is a record error.
// Tombstones (empty or null value) are dropped, or — with `inferDeleteFromTombstone` — become a
// delete whose row is the JSON key (a key that is missing or not a JSON object drops the message).
import { RecordError } from '../errors.js';
import { deriveMessage, isJsonObject, isRaw } from '../message.js';
import type { JsonObject, JsonValue, Message, MetaValue, Payload } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { isObject, preview, putKey } from './json.js';

export const DEBEZIUM_UNWRAP_TYPE = 'debeziumUnwrap';
export const OPERATION_META = 'operation';

interface Envelope {
  readonly op: unknown;
  readonly before: JsonValue | undefined;
  readonly after: JsonValue | undefined;
  readonly source: JsonValue | undefined;
  readonly prefix: string;
}

function envelopeOf(root: JsonObject): Envelope | undefined {
  const payload = root['payload'];
  const holder = isObject(payload) && Object.hasOwn(payload, 'op') ? payload : Object.hasOwn(root, 'op') ? root : undefined;
  if (holder === undefined) return undefined;
  return {
    op: holder['op'],
    before: holder['before'],
    after: holder['after'],
    source: holder['source'],
    prefix: holder === root ? '' : 'payload.',
  };
}

function isTombstone(value: Payload): boolean {
  return value === null || (isRaw(value) && value.byteLength === 0);
}

function metaValue(value: JsonValue): MetaValue {
  return value === null || typeof value !== 'object' ? value : JSON.stringify(value);
}

function keyText(msg: Message): string | undefined {
  if (typeof msg.key === 'string') return msg.key;
  if (msg.key instanceof Uint8Array) return Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.byteLength).toString('utf8');
  const meta = msg.meta['key'];
  return typeof meta === 'string' ? meta : undefined;
}

/** The row of a tombstone's key: a JSON object, unwrapped from `{schema, payload}` if needed. */
function rowFromKey(msg: Message): JsonObject | undefined {
  const text = keyText(msg);
  if (text === undefined || text === '') return undefined;
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(key)) return undefined;
  const payload = key['payload'];
  return Object.hasOwn(key, 'schema') && isObject(payload) ? payload : key;
}

export const debeziumUnwrapFactory: TransformFactory = {
  type: DEBEZIUM_UNWRAP_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['inferDeleteFromTombstone', 'includeSourceInMetadata', 'snapshotOperation', 'addOperationFields', 'addSourceFields']);
    const inferDelete = reader.boolean('inferDeleteFromTombstone', false);
    const sourceInMeta = reader.boolean('includeSourceInMetadata', false);
    const snapshotOperation = reader.oneOf('snapshotOperation', ['insert', 'update'], 'insert');
    const operationFields = reader.boolean('addOperationFields', false);
    const sourceFields = reader.stringList('addSourceFields', false);
    const operations: Readonly<Record<string, string>> = { c: 'insert', u: 'update', r: snapshotOperation, d: 'delete' };

    function emit(msg: Message, row: JsonObject, op: string, source: JsonValue | undefined): Message[] {
      let out = row;
      if (operationFields || sourceFields.length > 0) {
        out = { ...row };
        if (operationFields) {
          out['__op'] = op;
          out['__deleted'] = op === 'd' ? 'true' : 'false';
        }
        if (isObject(source)) {
          for (const field of sourceFields) {
            if (Object.hasOwn(source, field)) putKey(out, `source_${field}`, source[field] as JsonValue);
          }
        }
      }
      const meta: Record<string, MetaValue> = { ...msg.meta, [OPERATION_META]: operations[op] as string };
      if (sourceInMeta && isObject(source)) {
        for (const [key, value] of Object.entries(source)) meta[`source_${key}`] = metaValue(value);
      }
      const child = deriveMessage(msg, out);
      child.meta = meta;
      return [child];
    }

    return {
      type: DEBEZIUM_UNWRAP_TYPE,
      apply(msg: Message): Message[] {
        const value = msg.value;
        if (isTombstone(value)) {
          if (!inferDelete) return [];
          const row = rowFromKey(msg);
          return row === undefined ? [] : emit(msg, row, 'd', undefined);
        }
        if (!isJsonObject(value)) return [msg];
        const envelope = envelopeOf(value);
        if (envelope === undefined) return [msg];
        const { op } = envelope;
        if (typeof op !== 'string' || !Object.hasOwn(operations, op)) {
          throw new RecordError(`debeziumUnwrap: unsupported operation ${preview(op)} at ${envelope.prefix}op (expected c, u, r or d)`);
        }
        const side = op === 'd' ? 'before' : 'after';
        const row = envelope[side];
        if (!isObject(row)) {
          throw new RecordError(`debeziumUnwrap: operation "${op}" needs an object at ${envelope.prefix}${side}, got ${preview(row ?? 'nothing')}`);
        }
        return emit(msg, row, op, envelope.source);
      },
    };
  },
};
