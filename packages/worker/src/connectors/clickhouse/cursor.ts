// The ClickHouse source's read position: (changeTrackingColumn, orderByColumn) of the last row. The
// filter is spelled out as `ct > a OR (ct = a AND ob > b)` (no tuple comparison needed), so rows that
// share one change time are neither skipped nor read twice. Cursor values become typed literals of the
// columns' own types (or typed query parameters on servers that have them). Rows with NULL in a
// cursor column are never read: a NULL cannot be ordered against the cursor.
import type { Cursor as CompositeCursor } from '../polling/cursor-state.js';
import { compositeCursorCodec, isScalar } from '../polling/cursor-state.js';
import { quoteIdent, typedLiteral } from './sql.js';

export { encodeOffset } from '../polling/cursor-state.js';

/** ClickHouse's JSON output gives scalars only (64-bit integers as strings). */
export type CursorValue = string | number | boolean;
export type Cursor = CompositeCursor<CursorValue>;

export const clickhouseCursorCodec = compositeCursorCodec('clickhouse source', isScalar);
export const { checkpointOf, cursorFromCheckpoint, decodeOffset } = clickhouseCursorCodec;

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
