// The target table as the sink sees it: its columns and their types, read from the catalogue once
// at open (and again after the sink created the table) — never per message (upstream §9.4 item 29).
// Also the DDL of autoCreateTable.
import type { ClientBase } from 'pg';
import type { QualifiedName } from './sql.js';
import { quoteIdent, quoteQualified } from './sql.js';

export interface ColumnInfo {
  readonly name: string;
  /** SQL type without modifiers, usable in a cast: `bigint`, `character varying`, `integer[]`. */
  readonly type: string;
  readonly isJson: boolean;
  readonly isArray: boolean;
  readonly isBytea: boolean;
  /** date, timestamp or timestamptz: a number written to it is read as epoch milliseconds. */
  readonly isDateTime: boolean;
}

export interface TableInfo {
  /** Schema-qualified, as resolved by the server (search_path applied). */
  readonly table: QualifiedName;
  /** Writable columns (generated columns left out), in table order. */
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  /** Position of each writable column, to put a row's columns in table order. */
  readonly order: ReadonlyMap<string, number>;
}

interface CatalogRow {
  schema: string;
  name: string;
  column: string | null;
  type: string | null;
  typname: string | null;
  category: string | null;
  generated: boolean | null;
}

const DESCRIBE = `
SELECT n.nspname AS schema, c.relname AS name, a.attname AS column,
       format_type(a.atttypid, NULL) AS type, bt.typname AS typname, bt.typcategory AS category,
       (a.attgenerated <> '') AS generated
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE c.oid = to_regclass($1)
ORDER BY a.attnum`;

/** The table's columns, or undefined when no such table (or view) exists. */
export async function describeTable(client: ClientBase, table: QualifiedName): Promise<TableInfo | undefined> {
  const result = await client.query<CatalogRow>(DESCRIBE, [quoteQualified(table)]);
  const first = result.rows[0];
  if (first === undefined) return undefined;
  const columns = new Map<string, ColumnInfo>();
  const order = new Map<string, number>();
  for (const row of result.rows) {
    if (row.column === null || row.type === null || row.generated === true) continue;
    const typname = row.typname ?? '';
    order.set(row.column, order.size);
    columns.set(row.column, {
      name: row.column,
      type: row.type,
      isJson: typname === 'json' || typname === 'jsonb',
      isArray: row.category === 'A',
      isBytea: typname === 'bytea',
      isDateTime: typname === 'timestamptz' || typname === 'timestamp' || typname === 'date',
    });
  }
  return { table: { schema: first.schema, name: first.name }, columns, order };
}

export interface ColumnDefinition {
  readonly name: string;
  readonly type: string;
  /** SQL after the type, e.g. `NOT NULL DEFAULT now()`. */
  readonly constraint?: string;
}

/** `CREATE TABLE IF NOT EXISTS` (and its schema) with an optional primary key. */
export function createTableStatements(table: QualifiedName, columns: readonly ColumnDefinition[], primaryKey: readonly string[]): string[] {
  const lines = columns.map((column) => `${quoteIdent(column.name)} ${column.type}${column.constraint === undefined ? '' : ` ${column.constraint}`}`);
  if (primaryKey.length > 0) lines.push(`PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  const statements: string[] = [];
  if (table.schema !== undefined) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`);
  statements.push(`CREATE TABLE IF NOT EXISTS ${quoteQualified(table)} (\n  ${lines.join(',\n  ')}\n)`);
  return statements;
}

/** The rawMode table: the payload in data, the metadata in _metadata or in flattened columns. */
export function rawTableColumns(metadataColumns: readonly ColumnDefinition[] | undefined): ColumnDefinition[] {
  return [
    { name: 'id', type: 'bigserial', constraint: 'PRIMARY KEY' },
    { name: 'data', type: 'jsonb' },
    ...(metadataColumns ?? [{ name: '_metadata', type: 'jsonb' }]),
    { name: 'created_at', type: 'timestamp with time zone', constraint: 'NOT NULL DEFAULT now()' },
    { name: 'updated_at', type: 'timestamp with time zone', constraint: 'NOT NULL DEFAULT now()' },
    { name: 'deleted_at', type: 'timestamp with time zone' },
  ];
}
