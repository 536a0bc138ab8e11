// The composite cursor of the SQL polling sources: (changeTrackingColumn, orderByColumn) of the last
// row. The checkpoint JSON (upstream §5.6) and the message offsets are the same for every system;
// only how the values go into SQL differs, and that stays with each connector. A legacy checkpoint
// may hold only one of the two values (`lastReadID` counts as the order-by value).
import { ConfigError } from '../../errors.js';
import type { JsonValue } from '../../message.js';
import type { Checkpoint } from '../../plugin.js';
import type { CursorCodec } from './checkpoint-ack.js';

export type CursorValue = Exclude<JsonValue, null>;

/** Where reading resumes. */
export interface Cursor<V extends CursorValue = CursorValue> {
  readonly changeValue?: V;
  readonly orderValue?: V;
}

export function checkpointOf(cursor: Cursor): Checkpoint {
  const checkpoint: Checkpoint = {};
  if (cursor.changeValue !== undefined) checkpoint['lastReadChangeTime'] = cursor.changeValue;
  if (cursor.orderValue !== undefined) checkpoint['lastReadOrderByValue'] = cursor.orderValue;
  return checkpoint;
}

/** Position offset of a row: JSON of the cursor pair. */
export function encodeOffset(changeValue: CursorValue, orderValue: CursorValue): string {
  return JSON.stringify([changeValue, orderValue]);
}

export function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function isNotNull(value: unknown): value is CursorValue {
  return value !== null && value !== undefined;
}

/**
 * Checkpoint and offset parsing for one source. `isValue` says which offset values the source can
 * have produced (ClickHouse: scalars only; PostgreSQL: any JSON but null).
 */
export function compositeCursorCodec<V extends CursorValue>(owner: string, isValue: (value: unknown) => value is V): CursorCodec<Cursor<V>> {
  const checkpointValue = (checkpoint: Checkpoint, key: string): V | undefined => {
    const value = checkpoint[key];
    if (value === undefined || value === null) return undefined;
    // Checkpoint values are scalars whatever the offsets may hold.
    if (isScalar(value) && isValue(value)) return value;
    throw new ConfigError(`${owner}: checkpoint field ${key} must be a string or a number, got ${JSON.stringify(value)} (reset the checkpoint to start over)`);
  };
  return {
    checkpointOf,
    cursorFromCheckpoint: (checkpoint) => {
      if (checkpoint === undefined) return undefined;
      const change = checkpointValue(checkpoint, 'lastReadChangeTime');
      const order = checkpointValue(checkpoint, 'lastReadOrderByValue') ?? checkpointValue(checkpoint, 'lastReadID');
      if (change === undefined && order === undefined) return undefined;
      return { ...(change === undefined ? {} : { changeValue: change }), ...(order === undefined ? {} : { orderValue: order }) };
    },
    decodeOffset: (offset) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(offset);
      } catch {
        return undefined;
      }
      if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
      const [changeValue, orderValue] = parsed as unknown[];
      if (!isValue(changeValue) || !isValue(orderValue)) return undefined;
      return { changeValue, orderValue };
    },
  };
}
