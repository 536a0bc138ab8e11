// Typed ClickHouse source and sink settings (fields and defaults of upstream-reference.md §1.4.5,
// §1.5.5, §1.5.7). Secret references stay references until open(), so a rotated Secret is read by
// the next connection.
import { ConfigError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';
import { parseColumnList, parseTableName } from './sql.js';

/** A literal value or a reference to a Secret key holding it. */
export type ValueSource = { readonly value: string } | { readonly secretRef: { readonly name: string; readonly key: string } };

export interface ClickHouseConnectionSettings {
  readonly connectionString: ValueSource;
  readonly user?: ValueSource;
  readonly password?: ValueSource;
}

export interface ClickHouseSourceSettings extends ClickHouseConnectionSettings {
  /** Absent only in query mode. */
  readonly table?: ValueSource;
  readonly query?: string;
  readonly pollIntervalMs: number;
  /** Rows per poll at most; 0 = no limit (read page by page). */
  readonly readBatchSize: number;
  readonly changeTrackingColumn: string;
  readonly orderByColumn: string;
}

export type ClickHouseEngine = 'MergeTree' | 'ReplacingMergeTree';

export interface ClickHouseSinkSettings extends ClickHouseConnectionSettings {
  readonly table: ValueSource;
  readonly autoCreateTable: boolean;
  readonly upsertMode: boolean;
  readonly conflictKey: readonly string[];
  /** conflictKey was set explicitly (otherwise it is the default `id`, used only when the rows have it). */
  readonly conflictKeyExplicit: boolean;
  readonly replacingVersionColumn?: string;
  readonly tableEngine: ClickHouseEngine;
  readonly rawMode: boolean;
}

export const SOURCE_DEFAULTS = { pollIntervalSeconds: 5, readBatchSize: 0, changeTrackingColumn: 'created_at', orderByColumn: 'id' } as const;

export function parseClickHouseSourceConfig(config: Record<string, unknown>): ClickHouseSourceSettings {
  const owner = 'clickhouse source';
  const fields = new ConfigFields(config, owner);
  const connection = connectionSettings(config, fields);
  const table = valueSource(config, fields, 'table', false);
  const query = optionalString(config, fields, 'query');
  if (table === undefined && query === undefined) throw fields.fail('table', 'must be set (or set query)');
  if (query !== undefined && /;\s*$/.test(query)) throw fields.fail('query', 'must not end with a semicolon: it is wrapped in a subquery');
  if (table !== undefined && 'value' in table) checkTable(fields, table.value);
  const pollInterval = fields.optionalNumber('pollInterval', { exclusiveMin: 0 }) ?? SOURCE_DEFAULTS.pollIntervalSeconds;
  return {
    ...connection,
    pollIntervalMs: pollInterval * 1000,
    readBatchSize: fields.optionalNumber('readBatchSize', { integer: true, min: 0 }) ?? SOURCE_DEFAULTS.readBatchSize,
    changeTrackingColumn: optionalString(config, fields, 'changeTrackingColumn') ?? SOURCE_DEFAULTS.changeTrackingColumn,
    orderByColumn: optionalString(config, fields, 'orderByColumn') ?? SOURCE_DEFAULTS.orderByColumn,
    ...(table === undefined ? {} : { table }),
    ...(query === undefined ? {} : { query }),
  };
}

export function parseClickHouseSinkConfig(config: Record<string, unknown>): ClickHouseSinkSettings {
  const fields = new ConfigFields(config, 'clickhouse sink');
  const connection = connectionSettings(config, fields);
  const table = valueSource(config, fields, 'table', true) as ValueSource;
  if ('value' in table) checkTable(fields, table.value);
  const upsertMode = fields.optionalBoolean('upsertMode', false);
  const engineText = optionalString(config, fields, 'tableEngine');
  if (engineText !== undefined && engineText !== 'MergeTree' && engineText !== 'ReplacingMergeTree') {
    throw fields.fail('tableEngine', `must be MergeTree or ReplacingMergeTree, got ${JSON.stringify(engineText)}`);
  }
  if (upsertMode && engineText === 'MergeTree') throw fields.fail('tableEngine', 'must be ReplacingMergeTree (or absent) with upsertMode: true');
  const keyText = optionalString(config, fields, 'conflictKey');
  let conflictKey: string[];
  try {
    conflictKey = parseColumnList(keyText ?? 'id');
  } catch (error) {
    throw fields.fail('conflictKey', `is invalid: ${(error as Error).message}`);
  }
  const rawMode = fields.optionalBoolean('rawMode', false);
  if (fields.optionalBoolean('flattenMetadataColumns', false)) {
    throw fields.fail('flattenMetadataColumns', 'is not supported by the clickhouse sink yet: use rawMode with the _metadata column');
  }
  const replacingVersionColumn = optionalString(config, fields, 'replacingVersionColumn');
  return {
    ...connection,
    table,
    autoCreateTable: fields.optionalBoolean('autoCreateTable', false),
    upsertMode,
    conflictKey,
    conflictKeyExplicit: keyText !== undefined,
    tableEngine: engineText ?? (upsertMode ? 'ReplacingMergeTree' : 'MergeTree'),
    rawMode,
    ...(replacingVersionColumn === undefined ? {} : { replacingVersionColumn }),
  };
}

/** Reads a literal or its Secret; `field` names the config field in errors. */
export async function resolveValue(source: ValueSource, secrets: SecretReader, owner: string, field: string): Promise<string> {
  if ('value' in source) return source.value;
  let value: string;
  try {
    value = await secrets.read(source.secretRef);
  } catch (error) {
    throw new ConfigError(`${owner}: config.${field}SecretRef ${source.secretRef.name}/${source.secretRef.key} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new ConfigError(`${owner}: the Secret ${source.secretRef.name}/${source.secretRef.key} of config.${field}SecretRef is empty`);
  return trimmed;
}

function connectionSettings(config: Record<string, unknown>, fields: ConfigFields): ClickHouseConnectionSettings {
  const connectionString = valueSource(config, fields, 'connectionString', true) as ValueSource;
  if ('value' in connectionString && !/^https?:\/\//i.test(connectionString.value)) {
    throw fields.fail('connectionString', 'must be an http:// or https:// URL of the ClickHouse HTTP interface, e.g. http://clickhouse:8123/analytics');
  }
  const user = valueSource(config, fields, 'user', false);
  const password = valueSource(config, fields, 'password', false, true);
  return { connectionString, ...(user === undefined ? {} : { user }), ...(password === undefined ? {} : { password }) };
}

function checkTable(fields: ConfigFields, text: string): void {
  try {
    parseTableName(text);
  } catch (error) {
    throw fields.fail('table', `is invalid: ${(error as Error).message}`);
  }
}

function optionalString(config: Record<string, unknown>, fields: ConfigFields, field: string, allowEmpty = false): string | undefined {
  const value = config[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fields.fail(field, `must be a string, got ${JSON.stringify(value)}`);
  if (value === '' && !allowEmpty) return undefined;
  return value;
}

function valueSource(config: Record<string, unknown>, fields: ConfigFields, field: string, required: boolean, allowEmpty = false): ValueSource | undefined {
  const literal = optionalString(config, fields, field, allowEmpty);
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
