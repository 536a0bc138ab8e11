// Typed ClickHouse source and sink settings (fields and defaults of upstream-reference.md §1.4.5,
// §1.5.5, §1.5.7). Secret references stay references until open(), so a rotated Secret is read by
// the next connection.
import { ConfigFields } from '../config-fields.js';
import type { PollingFields, ValueSource } from '../polling/config.js';
import { optionalString, parsePollingFields, valueSource } from '../polling/config.js';
import { parseColumnList, parseTableName } from './sql.js';

export interface ClickHouseConnectionSettings {
  readonly connectionString: ValueSource;
  readonly user?: ValueSource;
  readonly password?: ValueSource;
}

export interface ClickHouseSourceSettings extends ClickHouseConnectionSettings, PollingFields {
  /** Absent only in query mode. */
  readonly table?: ValueSource;
  readonly changeTrackingColumn: string;
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
  const polling = parsePollingFields(config, fields, table !== undefined, SOURCE_DEFAULTS);
  if (table !== undefined && 'value' in table) checkTable(fields, table.value);
  return {
    ...connection,
    ...polling,
    changeTrackingColumn: polling.changeTrackingColumn ?? SOURCE_DEFAULTS.changeTrackingColumn,
    ...(table === undefined ? {} : { table }),
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
    // The operator and `dataflow run` apply the schema default (`id`) before the worker sees the
    // config, so a bare `id` counts as the default: used only when the rows have it.
    conflictKeyExplicit: keyText !== undefined && keyText.trim() !== 'id',
    tableEngine: engineText ?? (upsertMode ? 'ReplacingMergeTree' : 'MergeTree'),
    rawMode,
    ...(replacingVersionColumn === undefined ? {} : { replacingVersionColumn }),
  };
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
