// A message as the row the sink writes: column name → JSON value. Column mode takes the payload's
// top-level keys; rawMode puts the payload in `data` and the metadata in `_metadata` (or, with
// flattenMetadataColumns, one `<prefix><key>` column per metadata key), unwrapping a payload shaped
// exactly {"value": X, "_metadata": M} (upstream §1.5.7). A payload that cannot become a row is a
// record error (dead-lettered, never skipped silently — upstream §9.4 item 29).
import { RecordError } from '../../errors.js';
import type { JsonObject, JsonValue, Message } from '../../message.js';
import { isJsonObject, isRaw } from '../../message.js';

export type RowValues = Readonly<Record<string, JsonValue>>;

export interface RowMapping {
  readonly rawMode: boolean;
  readonly flattenMetadataColumns: boolean;
  readonly flattenMetadataColumnsPrefix: string;
}

/** What a message asks for: write (insert/upsert) the row, or soft-delete the row with its key. */
export type RowOperation = 'write' | 'delete';

/** metadata `operation` = `delete` (any case) marks a delete, as in upstream's soft-delete contract. */
export function operationOf(message: Message, softDelete: boolean): RowOperation {
  if (!softDelete) return 'write';
  const operation = message.meta['operation'];
  return typeof operation === 'string' && operation.toLowerCase() === 'delete' ? 'delete' : 'write';
}

export function messageRow(message: Message, mapping: RowMapping): RowValues {
  const value = message.value;
  if (!mapping.rawMode) {
    if (isRaw(value)) throw new RecordError('payload is not JSON, so it cannot be a row (use rawMode, or fix the producer)');
    if (!isJsonObject(value)) throw new RecordError(`payload is not a JSON object (got ${describeKind(value)}), so it cannot be a row`);
    return value;
  }
  if (isRaw(value)) throw new RecordError('payload is not JSON, so it cannot be stored in the data column');
  let data: JsonValue = value;
  let metadata: JsonValue = metaObject(message);
  if (isWrapped(value)) {
    data = value['value'] as JsonValue;
    metadata = value['_metadata'] as JsonValue;
  }
  if (!mapping.flattenMetadataColumns) return { data, _metadata: metadata };
  const row: Record<string, JsonValue> = { data };
  if (isJsonObject(metadata)) {
    for (const [key, field] of Object.entries(metadata)) row[mapping.flattenMetadataColumnsPrefix + key] = field;
  } else if (metadata !== null) {
    throw new RecordError(`_metadata of the payload is not a JSON object (got ${describeKind(metadata)}), so it cannot be flattened into columns`);
  }
  return row;
}

function isWrapped(value: JsonValue): value is JsonObject {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && 'value' in value && '_metadata' in value;
}

function metaObject(message: Message): JsonObject {
  const out: JsonObject = {};
  for (const [key, field] of Object.entries(message.meta)) out[key] = field;
  return out;
}

function describeKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
