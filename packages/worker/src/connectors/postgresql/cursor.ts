// The polling source's read position: the pair (changeTrackingColumn, orderByColumn) of the last
// row, compared as a row value so that rows sharing one change time are neither skipped nor read
// twice across polls (upstream §9.4 item 30). The SQL is built here; the cursor values are always
// parameters, in the form the source's type parsers produced them (row-values.ts), so timestamps
// keep their microseconds. Rows with NULL in either column are never read: a NULL cannot be ordered
// against the cursor.
import type { Cursor, CursorValue } from '../polling/cursor-state.js';
import { compositeCursorCodec, isNotNull } from '../polling/cursor-state.js';
import type { QualifiedName } from './sql.js';
import { quoteIdent, quoteQualified } from './sql.js';

export type { Cursor, CursorValue } from '../polling/cursor-state.js';
export { encodeOffset } from '../polling/cursor-state.js';

/** Offsets may hold any non-null JSON value the type parsers produce (row-values.ts). */
export const postgresqlCursorCodec = compositeCursorCodec('postgresql source', isNotNull);
export const { checkpointOf, cursorFromCheckpoint, decodeOffset } = postgresqlCursorCodec;

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
