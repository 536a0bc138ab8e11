// The ClickHouse source's read position: (changeTrackingColumn, orderByColumn) of the last row. The
// filter is spelled out as `ct > a OR (ct = a AND ob > b)` (no tuple comparison needed), so rows that
// share one change time are neither skipped nor read twice. Cursor values become typed literals of the
// columns' own types (or typed query parameters on servers that have them). Rows with NULL in a
// cursor column are never read: a NULL cannot be ordered against the cursor.
import { ConfigError } from '../../errors.js';
import type { Checkpoint } from '../../plugin.js';
import { quoteIdent, typedLiteral } from './sql.js';

export type CursorValue = string | number | boolean;

export interface Cursor {
  readonly changeValue?: CursorValue;
  readonly orderValue?: CursorValue;
}

export interface CursorColumns {
  readonly changeTracking: string;
  readonly orderBy: string;
  /** Server types of the two columns, from the probe at open. */
  readonly changeType: string;
  readonly orderType: string;
}

/** The SQL source of rows: a quoted table name or the user's query in parentheses. */
export interface PollStatement {
  readonly query: string;
  /** Present when the statement uses query parameters. */
  readonly params?: Record<string, CursorValue>;
}

export function buildPollStatement(from: string, columns: CursorColumns, cursor: Cursor | undefined, limit: number, useParams: boolean): PollStatement {
  const ct = quoteIdent(columns.changeTracking);
  const ob = quoteIdent(columns.orderBy);
  const single = columns.changeTracking === columns.orderBy;
  const params: Record<string, CursorValue> = {};
  const value = (name: string, v: CursorValue, type: string): string => {
    if (!useParams) return typedLiteral(v, type);
    params[name] = v;
    return `{${name}:${type}}`;
  };
  const notNull = single ? `isNotNull(${ob})` : `isNotNull(${ct}) AND isNotNull(${ob})`;
  let where = notNull;
  const change = cursor?.changeValue;
  const order = cursor?.orderValue;
  if (single) {
    const last = order ?? change;
    if (last !== undefined) where += ` AND ${ob} > ${value('ob', last, columns.orderType)}`;
  } else if (change !== undefined && order !== undefined) {
    const a = value('ct', change, columns.changeType);
    const b = value('ob', order, columns.orderType);
    where += ` AND (${ct} > ${a} OR (${ct} = ${a} AND ${ob} > ${b}))`;
  } else if (order !== undefined) {
    where += ` AND ${ob} > ${value('ob', order, columns.orderType)}`;
  } else if (change !== undefined) {
    where += ` AND ${ct} > ${value('ct', change, columns.changeType)}`;
  }
  const orderBy = single ? ob : `${ct}, ${ob}`;
  const query = `SELECT * FROM ${from} WHERE ${where} ORDER BY ${orderBy}${limit > 0 ? ` LIMIT ${limit}` : ''}`;
  return useParams && Object.keys(params).length > 0 ? { query, params } : { query };
}

/** No rows, but the server's types of both cursor columns (and an error when either is missing). */
export function buildProbeStatement(from: string, columns: { changeTracking: string; orderBy: string }): string {
  return `SELECT ${quoteIdent(columns.changeTracking)}, ${quoteIdent(columns.orderBy)} FROM ${from} LIMIT 0`;
}

export function checkpointOf(cursor: Cursor): Checkpoint {
  const checkpoint: Checkpoint = {};
  if (cursor.changeValue !== undefined) checkpoint['lastReadChangeTime'] = cursor.changeValue;
  if (cursor.orderValue !== undefined) checkpoint['lastReadOrderByValue'] = cursor.orderValue;
  return checkpoint;
}

/** A stored checkpoint as a cursor; a legacy one with only `lastReadOrderByValue` reads `ob > N`. */
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
  throw new ConfigError(`clickhouse source: checkpoint field ${key} must be a string or a number, got ${JSON.stringify(value)} (reset the checkpoint to start over)`);
}

export function encodeOffset(changeValue: CursorValue, orderValue: CursorValue): string {
  return JSON.stringify([changeValue, orderValue]);
}

/** The cursor an offset stands for; undefined when this source did not produce the offset. */
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
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
