// ClickHouse source and sink: config types, JSON schemas and cross-field rules
// (upstream-reference.md §1.4.5, §1.5.5, §1.5.7). The worker talks to ClickHouse's HTTP interface
// (@clickhouse/client), so connection strings are http(s) URLs; the native protocol is refused.
import { bool, obj, str } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import { secretRefSchema } from '../refs.js';
import type { SecretRef } from '../refs.js';
import { checkColumnList, checkColumnName, checkTableName, checkUrl } from './rules.js';
import type { ConfigCheck } from './rules.js';
import { batchSinkProperties, checkBatchSink, checkPollingSource, pollingSourceProperties, rawModeProperties } from './sql-common.js';
import type { PollingSourceConfig, RawModeSinkConfig } from './sql-common.js';

export const CLICKHOUSE_TABLE_ENGINES = ['MergeTree', 'ReplacingMergeTree'] as const;
export type ClickHouseTableEngine = (typeof CLICKHOUSE_TABLE_ENGINES)[number];

export interface ClickHouseConnectionConfig {
  connectionString?: string;
  connectionStringSecretRef?: SecretRef;
  user?: string;
  userSecretRef?: SecretRef;
  password?: string;
  passwordSecretRef?: SecretRef;
  table?: string;
  tableSecretRef?: SecretRef;
}

export interface ClickHouseSourceConfig extends ClickHouseConnectionConfig, PollingSourceConfig {}

export interface ClickHouseSinkConfig extends ClickHouseConnectionConfig, RawModeSinkConfig {
  batchSize?: number;
  batchFlushIntervalSeconds?: number;
  autoCreateTable?: boolean;
  upsertMode?: boolean;
  conflictKey?: string;
  replacingVersionColumn?: string;
  tableEngine?: ClickHouseTableEngine;
}

// ---------------------------------------------------------------------------------------------
// Schemas

function connectionProperties(role: 'read' | 'write'): Record<string, JsonSchema> {
  return {
    connectionString: str(
      'URL of the ClickHouse HTTP interface with the database as path, e.g. http://clickhouse:8123/analytics (https:// for TLS). ' +
        'Set connectionString or connectionStringSecretRef.',
    ),
    connectionStringSecretRef: secretRefSchema('ClickHouse HTTP URL; alternative to connectionString.'),
    user: str('ClickHouse user; overrides a user in the URL. Absent: the URL user, or default.', { minLength: 1 }),
    userSecretRef: secretRefSchema('ClickHouse user; alternative to user.'),
    password: str('ClickHouse password in clear text; prefer passwordSecretRef.'),
    passwordSecretRef: secretRefSchema('ClickHouse password; alternative to password.'),
    table: str(
      role === 'read'
        ? 'Table to read, as table or database.table; also the metadata table of each message. Set table, tableSecretRef or query.'
        : 'Table to write, as table or database.table. Set table or tableSecretRef.',
      { minLength: 1 },
    ),
    tableSecretRef: secretRefSchema(`Table to ${role}; alternative to table.`),
  };
}

export const clickhouseSourceSchema: JsonSchema = obj(
  'Polls a ClickHouse table (or query) for new rows, ordered by (changeTrackingColumn, orderByColumn). Each row becomes a JSON object keyed by column name.',
  {
    ...connectionProperties('read'),
    ...pollingSourceProperties({ changeTrackingColumnDefault: 'created_at' }),
  },
);

export const clickhouseSinkSchema: JsonSchema = obj(
  'Inserts messages as rows of a ClickHouse table in batches (one INSERT per batch). Each top-level payload key is a column (or, with rawMode, the whole message goes to data/_metadata).',
  {
    ...connectionProperties('write'),
    // ClickHouse wants few large inserts (each insert makes a part): 10,000 rows or 1 s by default.
    ...batchSinkProperties({ batchSizeDefault: 10000, batchSizeMinimum: 0, flushIntervalDefault: 1 }),
    autoCreateTable: bool(
      'Create the table if it does not exist: with rawMode at start (data String, created_at DateTime), otherwise from the first batch with column types inferred from the values.',
      { default: false },
    ),
    upsertMode: bool(
      'Deduplicate rows by conflictKey: the table is a ReplacingMergeTree ordered by conflictKey, so ClickHouse keeps the latest row per key (merges are eventual; query with FINAL for exact results).',
      { default: false },
    ),
    conflictKey: str('Column, or comma-separated columns, identifying a row for upsertMode (the ORDER BY key of an auto-created table).', {
      minLength: 1,
      default: 'id',
    }),
    replacingVersionColumn: str('Version column of a ReplacingMergeTree: among rows with the same key the one with the highest version is kept. Absent: the last inserted row.', {
      minLength: 1,
    }),
    tableEngine: str('Engine of an auto-created table. Absent: ReplacingMergeTree with upsertMode, MergeTree otherwise.', {
      enum: CLICKHOUSE_TABLE_ENGINES,
    }),
    ...rawModeProperties(),
  },
);

// ---------------------------------------------------------------------------------------------
// Cross-field rules

function checkConnection(c: ConfigCheck): void {
  c.requireValue('connectionString');
  const cs = c.string('connectionString');
  if (cs !== undefined && /^(clickhouse|tcp):\/\//i.test(cs)) {
    c.report('connectionString', 'use the HTTP interface, e.g. http://clickhouse:8123/analytics: the native protocol (clickhouse://, tcp://, port 9000) is not supported');
  } else {
    checkUrl(c, 'connectionString', ['http', 'https'], 'http://clickhouse:8123/analytics');
  }
  checkTableName(c, 'table', 2, 'a table name or database.table');
}

export function checkClickHouseSource(c: ConfigCheck): void {
  checkConnection(c);
  checkPollingSource(c);
}

export function checkClickHouseSink(c: ConfigCheck): void {
  c.requireValue('table');
  checkConnection(c);
  checkBatchSink(c);
  const upsert = c.isTrue('upsertMode');
  const engine = c.string('tableEngine');
  if (upsert && engine === 'MergeTree') {
    c.report('tableEngine', 'upsertMode needs tableEngine ReplacingMergeTree (or leave tableEngine out)');
  }
  if (c.has('tableEngine') && !c.isTrue('autoCreateTable')) {
    c.report('tableEngine', 'tableEngine is used only with autoCreateTable: true');
  }
  if (c.has('replacingVersionColumn') && !upsert && engine !== 'ReplacingMergeTree') {
    c.report('replacingVersionColumn', 'replacingVersionColumn is used only with upsertMode: true or tableEngine ReplacingMergeTree');
  }
  checkColumnList(c, 'conflictKey');
  checkColumnName(c, 'replacingVersionColumn');
}
