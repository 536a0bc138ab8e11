// Set-based statements of the sink: one INSERT … ON CONFLICT per group of rows and one soft-delete
// UPDATE per run of deletes. Rows travel as one text[] parameter per column (UNNEST), so a batch of
// any size is a single statement with as many parameters as columns; each column is cast to its
// declared type without modifiers, so the server's assignment rules still reject a too-long value
// or a NOT NULL violation as they would for a plain INSERT.
import type { QualifiedName } from './sql.js';
import { quoteIdent, quoteQualified } from './sql.js';
import type { ColumnInfo } from './table.js';

const TARGET = 'tgt';

function unnestSource(columns: readonly ColumnInfo[]): { from: string; select: string } {
  const params = columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const names = columns.map((column) => quoteIdent(column.name)).join(', ');
  const select = columns.map((column) => `u.${quoteIdent(column.name)}::${column.type}`).join(', ');
  return { from: `UNNEST(${params}) AS u(${names})`, select };
}

/**
 * `INSERT … SELECT … FROM UNNEST(…) ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c …`, updating every
 * non-key column of the group; with `versionColumn` (upsertStrategy ifNewer) only when the incoming
 * version is greater than the stored one (or nothing is stored). Only key columns → DO NOTHING.
 */
export function upsertStatement(table: QualifiedName, columns: readonly ColumnInfo[], conflictKey: readonly string[], versionColumn?: string): string {
  const { from, select } = unnestSource(columns);
  const names = columns.map((column) => quoteIdent(column.name)).join(', ');
  const keys = new Set(conflictKey);
  const updates = columns.filter((column) => !keys.has(column.name)).map((column) => `${quoteIdent(column.name)} = EXCLUDED.${quoteIdent(column.name)}`);
  let action = 'DO NOTHING';
  if (updates.length > 0) {
    action = `DO UPDATE SET ${updates.join(', ')}`;
    if (versionColumn !== undefined) {
      const stored = `${TARGET}.${quoteIdent(versionColumn)}`;
      action += ` WHERE ${stored} IS NULL OR ${stored} < EXCLUDED.${quoteIdent(versionColumn)}`;
    }
  }
  return `INSERT INTO ${quoteQualified(table)} AS ${TARGET} (${names}) SELECT ${select} FROM ${from} ON CONFLICT (${conflictKey.map(quoteIdent).join(', ')}) ${action}`;
}

/** `UPDATE … SET "<softDeleteColumn>" = now() FROM UNNEST(keys…) WHERE key matches`. */
export function softDeleteStatement(table: QualifiedName, keyColumns: readonly ColumnInfo[], softDeleteColumn: string): string {
  const { from } = unnestSource(keyColumns);
  const match = keyColumns.map((column) => `${TARGET}.${quoteIdent(column.name)} = u.${quoteIdent(column.name)}::${column.type}`).join(' AND ');
  return `UPDATE ${quoteQualified(table)} AS ${TARGET} SET ${quoteIdent(softDeleteColumn)} = now() FROM ${from} WHERE ${match}`;
}

/** Row-major values → one array per column (the UNNEST parameters). */
export function columnArrays(rows: readonly (readonly (string | null)[])[], width: number): (string | null)[][] {
  const arrays: (string | null)[][] = Array.from({ length: width }, () => new Array<string | null>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as readonly (string | null)[];
    for (let c = 0; c < width; c++) (arrays[c] as (string | null)[])[r] = row[c] as string | null;
  }
  return arrays;
}
