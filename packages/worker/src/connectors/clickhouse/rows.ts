// Messages → JSONEachRow rows. A column-mode row is the payload object (a `{"value", "_metadata"}`
// envelope is unwrapped to its value); values are adapted to known column types where JSON and
// ClickHouse disagree (nested objects into String columns as JSON text, booleans into numbers as 0/1).
// A rawMode row is `data` (the payload as JSON text, raw bytes as UTF-8) and `_metadata` (JSON text).
import { RecordError } from '../../errors.js';
import type { JsonObject, JsonValue, Message, Payload } from '../../message.js';
import { isJsonObject, isRaw, payloadText } from '../../message.js';

export type Row = Record<string, JsonValue>;

/** Column name → server type (as `system.columns` or the auto-create spelled it). */
export type ColumnTypes = ReadonlyMap<string, string>;

/** The payload and metadata of a `{"value": X, "_metadata": M}` envelope, else the payload as is. */
export function unwrapEnvelope(value: Payload): { body: Payload; metadata?: JsonValue } {
  if (isJsonObject(value) && 'value' in value && '_metadata' in value && Object.keys(value).length === 2) {
    return { body: value['value'], metadata: value['_metadata'] };
  }
  return { body: value };
}

export function rawRow(message: Message): Row {
  const { body, metadata } = unwrapEnvelope(message.value);
  const data = isRaw(body) ? payloadText(body) : JSON.stringify(body);
  return { data, _metadata: JSON.stringify(metadata ?? message.meta) };
}

/** The column-mode row of a message; RecordError (naming the message) when the payload is not an object. */
export function columnRow(message: Message, types: ColumnTypes): Row {
  const { body } = unwrapEnvelope(message.value);
  if (isRaw(body) || !isJsonObject(body)) {
    const what = isRaw(body) ? 'raw bytes' : Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body;
    throw new RecordError(`clickhouse sink: message ${message.id} is ${what}, not a JSON object whose keys are columns (use rawMode for other payloads)`);
  }
  return adapt(body, types);
}

const NUMERIC = /^(U?Int\d+|Float\d+|Decimal)/;

/** The payload itself when no value needs adapting (the common case: it is only serialised), else a copy. */
function adapt(body: JsonObject, types: ColumnTypes): Row {
  let row: Row | undefined;
  for (const key in body) {
    const value = body[key] as JsonValue;
    // Strings, numbers and null go as they are: no column type lookup per value.
    if (value === null || (typeof value !== 'object' && typeof value !== 'boolean')) {
      if (row !== undefined) row[key] = value;
      continue;
    }
    const type = baseType(types.get(key));
    let adapted: JsonValue = value;
    if (typeof value === 'object' && (type === undefined || type === 'String')) adapted = JSON.stringify(value);
    else if (typeof value === 'boolean' && type !== undefined && NUMERIC.test(type)) adapted = value ? 1 : 0;
    if (adapted !== value && row === undefined) row = copyBefore(body, key);
    if (row !== undefined) row[key] = adapted;
  }
  return row ?? body;
}

/** The entries of `body` that come before `stop`, as a new row. */
function copyBefore(body: JsonObject, stop: string): Row {
  const row: Row = {};
  for (const key in body) {
    if (key === stop) break;
    row[key] = body[key] as JsonValue;
  }
  return row;
}

/** The type without Nullable/LowCardinality wrappers. */
export function baseType(type: string | undefined): string | undefined {
  let t = type;
  while (t !== undefined) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/s.exec(t);
    if (m === null) break;
    t = m[1];
  }
  return t;
}
