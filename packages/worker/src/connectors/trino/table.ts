// What the sink needs to know about its table: the columns and their types (read once at open, so
// every value is rendered for its column's type), the connector behind the catalog (MERGE support),
// and the DDL of an auto-created table with types inferred from the first batch.
import type { JsonObject, JsonValue } from '../../message.js';
import type { TrinoClient, TrinoColumn } from './client.js';
import { qualifiedName, quoteIdent, quoteString } from './literals.js';

export interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

/**
 * Connectors whose Trino connector implements MERGE. postgresql does (Trino 476, verified) when the
 * target table has a primary key; Trino names the missing key otherwise.
 */
export const MERGE_CONNECTORS: readonly string[] = ['iceberg', 'delta_lake', 'hive', 'kudu', 'raptor', 'postgresql'];

export function tableText(ref: TableRef): string {
  return qualifiedName(ref.catalog, ref.schema, ref.table);
}

/** The table's columns in their declared order; [] when the table does not exist. */
export async function readColumns(client: TrinoClient, ref: TableRef, signal?: AbortSignal): Promise<TrinoColumn[]> {
  const sql =
    `SELECT column_name, data_type FROM ${quoteIdent(ref.catalog)}.information_schema.columns ` +
    `WHERE table_schema = ${quoteString(ref.schema)} AND table_name = ${quoteString(ref.table)} ORDER BY ordinal_position`;
  const result = await client.query(sql, `reading the columns of ${tableText(ref)}`, signal);
  return result.rows.map((row) => ({ name: textOf(row[0]), type: textOf(row[1]) }));
}

/** The connector name behind a catalog (`memory`, `iceberg` …); undefined when the catalog is unknown. */
export async function catalogConnector(client: TrinoClient, catalog: string, signal?: AbortSignal): Promise<string | undefined> {
  const sql = `SELECT connector_name FROM system.metadata.catalogs WHERE catalog_name = ${quoteString(catalog)}`;
  const result = await client.query(sql, `looking up catalog ${catalog}`, signal);
  const name = result.rows[0]?.[0];
  return typeof name === 'string' ? name : undefined;
}

export function createTableSql(ref: TableRef, columns: readonly TrinoColumn[]): string {
  return `CREATE TABLE IF NOT EXISTS ${tableText(ref)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|UTC|[+-]\d{2}(:?\d{2})?)?$/i;
const HAS_ZONE = /(Z|UTC|[+-]\d{2}(:?\d{2})?)$/i;

/** Column types for an auto-created table: every key of the rows, typed by its first non-null value. */
export function inferColumns(rows: readonly JsonObject[]): TrinoColumn[] {
  const types = new Map<string, string | undefined>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (types.get(key) === undefined) types.set(key, value === null ? undefined : inferType(value));
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? 'varchar' }));
}

function inferType(value: JsonValue): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'bigint' : 'double';
  if (typeof value === 'string') {
    if (!ISO_DATE_TIME.test(value)) return 'varchar';
    return HAS_ZONE.test(value.trim()) ? 'timestamp(6) with time zone' : 'timestamp(6)';
  }
  return 'json';
}

function textOf(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
