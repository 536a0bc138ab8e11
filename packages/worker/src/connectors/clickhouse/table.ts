// Auto-created tables: column types inferred from the first batch, MergeTree ordered by the conflict
// key (or the first column), ReplacingMergeTree(version) for upsert mode, and the fixed rawMode layout.
import { ConfigError } from '../../errors.js';
import type { JsonValue } from '../../message.js';
import type { ClickHouseEngine } from './config.js';
import type { Row } from './rows.js';
import { quoteIdent } from './sql.js';

export interface TableLayout {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly orderBy: readonly string[];
}

const ISO_DATE_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/;

export const RAW_LAYOUT: TableLayout = {
  columns: [
    { name: 'data', type: 'String' },
    { name: '_metadata', type: 'String' },
    { name: 'created_at', type: 'DateTime DEFAULT now()' },
  ],
  orderBy: ['created_at'],
};

/** The ClickHouse type that holds every non-null value seen for a column. */
export function inferType(values: readonly JsonValue[]): string {
  const kinds = new Set<string>();
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === 'number') kinds.add(Number.isInteger(v) ? 'int' : 'float');
    else if (typeof v === 'boolean') kinds.add('bool');
    else if (typeof v === 'string') kinds.add(ISO_DATE_TIME.test(v) ? 'datetime' : 'string');
    else kinds.add('string');
  }
  if (kinds.size === 0) return 'String';
  if ([...kinds].every((k) => k === 'int')) return 'Int64';
  if ([...kinds].every((k) => k === 'int' || k === 'float')) return 'Float64';
  if (kinds.size === 1 && kinds.has('bool')) return 'UInt8';
  if (kinds.size === 1 && kinds.has('datetime')) return 'DateTime';
  return 'String';
}

/**
 * Columns in first-seen order. Sort-key and version columns are never Nullable (ClickHouse refuses
 * that); other columns are Nullable when a row lacks them or holds null.
 */
export function inferLayout(rows: readonly Row[], keys: readonly string[], keyExplicit: boolean, versionColumn: string | undefined): TableLayout {
  const names: string[] = [];
  for (const row of rows) for (const name of Object.keys(row)) if (!names.includes(name)) names.push(name);
  if (names.length === 0) throw new ConfigError('clickhouse sink: autoCreateTable needs rows with at least one key to infer columns from');
  const useKeys = keyExplicit || keys.every((k) => names.includes(k));
  const orderBy = useKeys ? keys : [names[0] as string];
  for (const key of orderBy) {
    if (!names.includes(key)) throw new ConfigError(`clickhouse sink: conflictKey column ${key} is not in the first batch's rows, so the table cannot be ordered by it`);
  }
  if (versionColumn !== undefined && !names.includes(versionColumn)) {
    throw new ConfigError(`clickhouse sink: replacingVersionColumn ${versionColumn} is not in the first batch's rows`);
  }
  const columns = names.map((name) => {
    const values = rows.map((r) => r[name] ?? null);
    const type = inferType(values);
    const required = orderBy.includes(name) || name === versionColumn;
    const nullable = !required && values.some((v) => v === null);
    return { name, type: nullable ? `Nullable(${type})` : type };
  });
  return { columns, orderBy };
}

export interface CreateOptions {
  readonly engine: ClickHouseEngine;
  readonly versionColumn?: string;
  /** Settings clause for servers that deduplicate inserts by token on non-replicated tables. */
  readonly dedupWindow?: number;
}

export function createTableStatement(quotedTable: string, layout: TableLayout, options: CreateOptions): string {
  const columns = layout.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  const engine = options.engine === 'ReplacingMergeTree'
    ? `ReplacingMergeTree(${options.versionColumn === undefined ? '' : quoteIdent(options.versionColumn)})`
    : 'MergeTree()';
  const orderBy = layout.orderBy.length === 1 ? quoteIdent(layout.orderBy[0] as string) : `(${layout.orderBy.map(quoteIdent).join(', ')})`;
  const settings = options.dedupWindow === undefined ? '' : ` SETTINGS non_replicated_deduplication_window = ${options.dedupWindow}`;
  return `CREATE TABLE IF NOT EXISTS ${quotedTable} (${columns}) ENGINE = ${engine} ORDER BY ${orderBy}${settings}`;
}
