// Typed PostgreSQL source and sink settings from a connector config (fields and defaults of
// upstream-reference.md §1.4.2, §1.5.2, §1.5.7). Secret references are kept as references here and
// read at open(), so a rotated Secret is picked up by the next connection.
import { ConfigFields } from '../config-fields.js';
import type { PollingFields, ValueSource } from '../polling/config.js';
import { optionalString, parsePollingFields, valueSource } from '../polling/config.js';
import type { QualifiedName } from './sql.js';
import { parseColumnList, parseQualifiedName } from './sql.js';

export interface PostgresqlSourceSettings extends PollingFields {
  readonly connectionString: ValueSource;
  /** Absent only in query mode without a table. */
  readonly table?: ValueSource;
  readonly changeTrackingColumn: string;
}

export const UPSERT_STRATEGIES = ['always', 'ifNewer'] as const;
export type UpsertStrategy = (typeof UPSERT_STRATEGIES)[number];

export interface PostgresqlSinkSettings {
  readonly connectionString: ValueSource;
  readonly table: ValueSource;
  readonly autoCreateTable: boolean;
  readonly upsertMode: boolean;
  readonly conflictKey: readonly string[];
  readonly upsertStrategy: UpsertStrategy;
  readonly upsertVersionColumn?: string;
  readonly softDeleteColumn?: string;
  readonly rawMode: boolean;
  readonly flattenMetadataColumns: boolean;
  readonly flattenMetadataColumnsPrefix: string;
  /** Batches in write() at once, one connection each (default 2). */
  readonly writesInFlight: number;
}

export const SOURCE_DEFAULTS = { pollIntervalSeconds: 5, readBatchSize: 0, changeTrackingColumn: 'updated_at', orderByColumn: 'id' } as const;
export const SINK_DEFAULTS = { conflictKey: 'id' } as const;

export function parsePostgresqlSourceConfig(config: Record<string, unknown>): PostgresqlSourceSettings {
  const fields = new ConfigFields(config, 'postgresql source');
  const connectionString = valueSource(config, fields, 'connectionString', true) as ValueSource;
  const table = valueSource(config, fields, 'table', false);
  const polling = parsePollingFields(config, fields, table !== undefined, SOURCE_DEFAULTS);
  if (table !== undefined && 'value' in table) tableName(fields, 'table', table.value);
  return {
    connectionString,
    ...polling,
    changeTrackingColumn: polling.changeTrackingColumn ?? SOURCE_DEFAULTS.changeTrackingColumn,
    ...(table === undefined ? {} : { table }),
  };
}

/** Writes in flight per PostgreSQL sink: the default and the most the spec allows. */
export const DEFAULT_WRITES_IN_FLIGHT = 2;
export const MAX_WRITES_IN_FLIGHT = 8;

export function parsePostgresqlSinkConfig(config: Record<string, unknown>): PostgresqlSinkSettings {
  const fields = new ConfigFields(config, 'postgresql sink');
  const connectionString = valueSource(config, fields, 'connectionString', true) as ValueSource;
  const table = valueSource(config, fields, 'table', true) as ValueSource;
  if ('value' in table) tableName(fields, 'table', table.value);
  const upsertMode = fields.optionalBoolean('upsertMode', false);
  const strategy = optionalString(config, fields, 'upsertStrategy') ?? 'always';
  if (!(UPSERT_STRATEGIES as readonly string[]).includes(strategy)) throw fields.fail('upsertStrategy', `must be always or ifNewer, got ${JSON.stringify(strategy)}`);
  const upsertStrategy = strategy as UpsertStrategy;
  const upsertVersionColumn = optionalString(config, fields, 'upsertVersionColumn');
  if (upsertStrategy === 'ifNewer' && !upsertMode) throw fields.fail('upsertStrategy', 'ifNewer applies only with upsertMode: true');
  if (upsertStrategy === 'ifNewer' && upsertVersionColumn === undefined) {
    throw fields.fail('upsertVersionColumn', 'must be set with upsertStrategy ifNewer (the column that says which row is newer)');
  }
  let conflictKey: string[];
  try {
    conflictKey = parseColumnList(optionalString(config, fields, 'conflictKey') ?? SINK_DEFAULTS.conflictKey);
  } catch (error) {
    throw fields.fail('conflictKey', `is invalid: ${(error as Error).message}`);
  }
  const rawMode = fields.optionalBoolean('rawMode', false);
  const flattenMetadataColumns = fields.optionalBoolean('flattenMetadataColumns', false);
  if (flattenMetadataColumns && !rawMode) throw fields.fail('flattenMetadataColumns', 'works only with rawMode: true');
  const softDeleteColumn = optionalString(config, fields, 'softDeleteColumn');
  const writesInFlight = fields.optionalNumber('writesInFlight', { integer: true, min: 1 }) ?? DEFAULT_WRITES_IN_FLIGHT;
  if (writesInFlight > MAX_WRITES_IN_FLIGHT) throw fields.fail('writesInFlight', `must be at most ${MAX_WRITES_IN_FLIGHT}, got ${writesInFlight}`);
  return {
    writesInFlight,
    connectionString,
    table,
    autoCreateTable: fields.optionalBoolean('autoCreateTable', false),
    upsertMode,
    conflictKey,
    upsertStrategy,
    rawMode,
    flattenMetadataColumns,
    flattenMetadataColumnsPrefix: optionalString(config, fields, 'flattenMetadataColumnsPrefix', true) ?? '',
    ...(upsertVersionColumn === undefined ? {} : { upsertVersionColumn }),
    ...(softDeleteColumn === undefined ? {} : { softDeleteColumn }),
  };
}

/** Parses a table name, as a ConfigError naming the field. */
export function tableName(fields: ConfigFields, field: string, text: string): QualifiedName {
  try {
    return parseQualifiedName(text);
  } catch (error) {
    throw fields.fail(field, `is invalid: ${(error as Error).message}`);
  }
}
