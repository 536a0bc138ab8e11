// The polling source's read position: the pair (changeTrackingColumn, orderByColumn) of the last
// row, compared as a row value so that rows sharing one change time are neither skipped nor read
// twice across polls (upstream §9.4 item 30). The SQL is built here; the cursor values are always
// parameters, in the form the source's type parsers produced them (row-values.ts), so timestamps
// keep their microseconds. Rows with NULL in either column are never read: a NULL cannot be ordered
// against the cursor.
import { ConfigError } from '../../errors.js';
import type { JsonValue } from '../../message.js';
import type { Checkpoint } from '../../plugin.js';
import type { QualifiedName } from './sql.js';
import { quoteIdent, quoteQualified } from './sql.js';

export type CursorValue = Exclude<JsonValue, null>;

/** Where reading resumes. A legacy checkpoint may hold only one of the two values. */
export interface Cursor {
  readonly changeValue?: CursorValue;
  readonly orderValue?: CursorValue;
}

export interface CursorColumns {
  readonly changeTracking: string;
  readonly orderBy: string;
}

/** What a poll reads: a table, or a user query wrapped as a subquery. */
export type PollTarget = { readonly table: QualifiedName } | { readonly query: string };

export interface PollStatement {
  readonly text: string;
  readonly values: CursorValue[];
}

/** `SELECT * FROM <target> AS q WHERE <cursor filter> ORDER BY ct, ob [LIMIT n]`; limit 0 = none. */
export function buildPollStatement(target: PollTarget, columns: CursorColumns, cursor: Cursor | undefined, limit: number): PollStatement {
  const from = 'table' in target ? quoteQualified(target.table) : `(${target.query})`;
  const ct = `q.${quoteIdent(columns.changeTracking)}`;
  const ob = `q.${quoteIdent(columns.orderBy)}`;
  const single = columns.changeTracking === columns.orderBy;
  const values: CursorValue[] = [];
  let where: string;
  const change = cursor?.changeValue;
  const order = cursor?.orderValue;
  if (single) {
    const last = order ?? change;
    if (last === undefined) where = `${ob} IS NOT NULL`;
    else {
      values.push(last);
      where = `${ob} > $1`;
    }
  } else if (change !== undefined && order !== undefined) {
    values.push(change, order);
    where = `(${ct}, ${ob}) > ($1, $2)`;
  } else if (order !== undefined) {
    values.push(order);
    where = `${ob} > $1 AND ${ct} IS NOT NULL`;
  } else if (change !== undefined) {
    values.push(change);
    where = `${ct} > $1 AND ${ob} IS NOT NULL`;
  } else {
    where = `${ct} IS NOT NULL AND ${ob} IS NOT NULL`;
  }
  const orderBy = single ? ob : `${ct}, ${ob}`;
  const text = `SELECT * FROM ${from} AS q WHERE ${where} ORDER BY ${orderBy}${limit > 0 ? ` LIMIT ${limit}` : ''}`;
  return { text, values };
}

/** A statement returning no rows but the result's columns: checks the table/query and both columns at open. */
export function buildProbeStatement(target: PollTarget, columns: CursorColumns): string {
  const from = 'table' in target ? quoteQualified(target.table) : `(${target.query})`;
  return `SELECT q.${quoteIdent(columns.changeTracking)}, q.${quoteIdent(columns.orderBy)} FROM ${from} AS q LIMIT 0`;
}

/** The canonical checkpoint JSON (upstream §5.6). */
export function checkpointOf(cursor: Cursor): Checkpoint {
  const checkpoint: Checkpoint = {};
  if (cursor.changeValue !== undefined) checkpoint['lastReadChangeTime'] = cursor.changeValue;
  if (cursor.orderValue !== undefined) checkpoint['lastReadOrderByValue'] = cursor.orderValue;
  return checkpoint;
}

/** The stored checkpoint as a cursor (legacy `lastReadID` counts as the order-by value); undefined = start from the beginning. */
export function cursorFromCheckpoint(checkpoint: Checkpoint | undefined): Cursor | undefined {
  if (checkpoint === undefined) return undefined;
  const change = checkpointValue(checkpoint, 'lastReadChangeTime');
  const order = checkpointValue(checkpoint, 'lastReadOrderByValue') ?? checkpointValue(checkpoint, 'lastReadID');
  if (change === undefined && order === undefined) return undefined;
  return { ...(change === undefined ? {} : { changeValue: change }), ...(order === undefined ? {} : { orderValue: order }) };
}

function checkpointValue(checkpoint: Checkpoint, key: string): CursorValue | undefined {
  const value = checkpoint[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new ConfigError(`postgresql source: checkpoint field ${key} must be a string or a number, got ${JSON.stringify(value)} (reset the checkpoint to start over)`);
}

/** Position offset of a row: JSON of the cursor pair. */
export function encodeOffset(changeValue: CursorValue, orderValue: CursorValue): string {
  return JSON.stringify([changeValue, orderValue]);
}

/** The cursor an offset stands for; undefined when the offset is not one this source produced. */
export function decodeOffset(offset: string): Cursor | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(offset);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [changeValue, orderValue] = parsed as unknown[];
  if (!isCursorValue(changeValue) || !isCursorValue(orderValue)) return undefined;
  return { changeValue, orderValue };
}

function isCursorValue(value: unknown): value is CursorValue {
  return value !== null && value !== undefined;
}
