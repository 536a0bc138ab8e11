// Typed PostgreSQL source and sink settings from a connector config (fields and defaults of
// upstream-reference.md §1.4.2, §1.5.2, §1.5.7). Secret references are kept as references here and
// read at open(), so a rotated Secret is picked up by the next connection.
import { ConfigError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';
import type { QualifiedName } from './sql.js';
import { parseColumnList, parseQualifiedName } from './sql.js';

/** A literal value or a reference to a Secret key holding it. */
export type ValueSource = { readonly value: string } | { readonly secretRef: { readonly name: string; readonly key: string } };

export interface PostgresqlSourceSettings {
  readonly connectionString: ValueSource;
  /** Absent only in query mode without a table. */
  readonly table?: ValueSource;
  readonly query?: string;
  readonly pollIntervalMs: number;
  /** Rows per poll at most; 0 = no limit. */
  readonly readBatchSize: number;
  readonly changeTrackingColumn: string;
  readonly orderByColumn: string;
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
}

export const SOURCE_DEFAULTS = { pollIntervalSeconds: 5, readBatchSize: 0, changeTrackingColumn: 'updated_at', orderByColumn: 'id' } as const;
export const SINK_DEFAULTS = { conflictKey: 'id' } as const;

export function parsePostgresqlSourceConfig(config: Record<string, unknown>): PostgresqlSourceSettings {
  const fields = new ConfigFields(config, 'postgresql source');
  const connectionString = valueSource(config, fields, 'connectionString', true) as ValueSource;
  const table = valueSource(config, fields, 'table', false);
  const query = optionalString(config, fields, 'query');
  if (table === undefined && query === undefined) throw fields.fail('table', 'must be set (or set query)');
  if (query !== undefined && /;\s*$/.test(query)) throw fields.fail('query', 'must not end with a semicolon: it is wrapped in a subquery');
  if (table !== undefined && 'value' in table) tableName(fields, 'table', table.value);
  const pollInterval = fields.optionalNumber('pollInterval', { exclusiveMin: 0 }) ?? SOURCE_DEFAULTS.pollIntervalSeconds;
  const readBatchSize = fields.optionalNumber('readBatchSize', { integer: true, min: 0 }) ?? SOURCE_DEFAULTS.readBatchSize;
  const settings: PostgresqlSourceSettings = {
    connectionString,
    pollIntervalMs: pollInterval * 1000,
    readBatchSize,
    changeTrackingColumn: optionalString(config, fields, 'changeTrackingColumn') ?? SOURCE_DEFAULTS.changeTrackingColumn,
    orderByColumn: optionalString(config, fields, 'orderByColumn') ?? SOURCE_DEFAULTS.orderByColumn,
    ...(table === undefined ? {} : { table }),
    ...(query === undefined ? {} : { query }),
  };
  return settings;
}

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
  return {
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

/** Reads a literal or its Secret; `field` names the config field in errors. */
export async function resolveValue(source: ValueSource, secrets: SecretReader, owner: string, field: string): Promise<string> {
  if ('value' in source) return source.value;
  let value: string;
  try {
    value = await secrets.read(source.secretRef);
  } catch (error) {
    throw new ConfigError(`${owner}: config.${field}SecretRef ${source.secretRef.name}/${source.secretRef.key} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new ConfigError(`${owner}: the Secret ${source.secretRef.name}/${source.secretRef.key} of config.${field}SecretRef is empty`);
  return trimmed;
}

/** Parses a table name, as a ConfigError naming the field. */
export function tableName(fields: ConfigFields, field: string, text: string): QualifiedName {
  try {
    return parseQualifiedName(text);
  } catch (error) {
    throw fields.fail(field, `is invalid: ${(error as Error).message}`);
  }
}

function optionalString(config: Record<string, unknown>, fields: ConfigFields, field: string, allowEmpty = false): string | undefined {
  const value = config[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fields.fail(field, `must be a string, got ${JSON.stringify(value)}`);
  if (value === '' && !allowEmpty) return undefined;
  return value;
}

function valueSource(config: Record<string, unknown>, fields: ConfigFields, field: string, required: boolean): ValueSource | undefined {
  const literal = optionalString(config, fields, field);
  const refField = `${field}SecretRef`;
  const ref = config[refField];
  const hasRef = ref !== undefined && ref !== null;
  if (literal !== undefined && hasRef) throw fields.fail(field, `and ${refField} are both set: keep one`);
  if (literal !== undefined) return { value: literal };
  if (hasRef) {
    const refObject = fields.requiredObject(refField);
    const name = refObject['name'];
    const key = refObject['key'];
    if (typeof name !== 'string' || name === '' || typeof key !== 'string' || key === '') throw fields.fail(refField, 'must have a non-empty name and key');
    return { secretRef: { name, key } };
  }
  if (required) throw fields.fail(field, `must be set (or ${refField})`);
  return undefined;
}
