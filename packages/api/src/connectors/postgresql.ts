// PostgreSQL source and sink: config types, JSON schemas and cross-field rules
// (upstream-reference.md §1.4.2, §1.5.2, §1.5.7; field names and defaults kept, §9 gaps closed).
import { bool, int, obj, str } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import { secretRefSchema } from '../refs.js';
import type { SecretRef } from '../refs.js';
import { checkColumnList, checkColumnName, checkTableName } from './rules.js';
import type { ConfigCheck } from './rules.js';
import { batchSinkProperties, checkBatchSink, checkPollingSource, pollingSourceProperties, rawModeProperties } from './sql-common.js';
import type { PollingSourceConfig, RawModeSinkConfig } from './sql-common.js';

export const UPSERT_STRATEGIES = ['always', 'ifNewer'] as const;
export type UpsertStrategy = (typeof UPSERT_STRATEGIES)[number];

export interface PostgresqlConnectionConfig {
  connectionString?: string;
  connectionStringSecretRef?: SecretRef;
  table?: string;
  tableSecretRef?: SecretRef;
}

export interface PostgresqlSourceConfig extends PostgresqlConnectionConfig, PollingSourceConfig {}

export interface PostgresqlSinkConfig extends PostgresqlConnectionConfig, RawModeSinkConfig {
  batchSize?: number;
  batchFlushIntervalSeconds?: number;
  autoCreateTable?: boolean;
  upsertMode?: boolean;
  conflictKey?: string;
  upsertStrategy?: UpsertStrategy;
  upsertVersionColumn?: string;
  softDeleteColumn?: string;
  writesInFlight?: number;
}

// ---------------------------------------------------------------------------------------------
// Schemas

function connectionProperties(role: 'read' | 'write'): Record<string, JsonSchema> {
  return {
    connectionString: str(
      'Connection string: a URL postgres://user:password@host:5432/db?sslmode=require or a key=value DSN ' +
        '(host=db dbname=app user=app). Put credentials in connectionStringSecretRef instead. Set connectionString or connectionStringSecretRef.',
    ),
    connectionStringSecretRef: secretRefSchema('PostgreSQL connection string (URL or DSN); alternative to connectionString.'),
    table: str(
      role === 'read'
        ? 'Table to read, as table or schema.table (default schema public); also the metadata table of each message. Set table, tableSecretRef or query.'
        : 'Table to write, as table or schema.table (default schema public). Set table or tableSecretRef.',
      { minLength: 1 },
    ),
    tableSecretRef: secretRefSchema(`Table to ${role}; alternative to table.`),
  };
}

export const postgresqlSourceSchema: JsonSchema = obj(
  'Polls a PostgreSQL table (or query) for new and changed rows, ordered by (changeTrackingColumn, orderByColumn). Each row becomes a JSON object keyed by column name.',
  {
    ...connectionProperties('read'),
    ...pollingSourceProperties({ changeTrackingColumnDefault: 'updated_at' }),
  },
);

export const postgresqlSinkSchema: JsonSchema = obj(
  'Writes messages as rows of a PostgreSQL table in batches, one transaction per batch. Each top-level payload key is a column (or, with rawMode, the whole message goes to data/_metadata).',
  {
    ...connectionProperties('write'),
    ...batchSinkProperties({ batchSizeDefault: 1, batchSizeMinimum: 1 }),
    autoCreateTable: bool(
      'Create the table if it does not exist: with rawMode at start (id, data JSONB, _metadata JSONB, created_at, updated_at, deleted_at), ' +
        'otherwise from the first batch with column types inferred from the values.',
      { default: false },
    ),
    upsertMode: bool('INSERT … ON CONFLICT (conflictKey) DO UPDATE instead of a plain INSERT.', { default: false }),
    conflictKey: str('Column, or comma-separated columns, of the unique key used by upsertMode.', { minLength: 1, default: 'id' }),
    upsertStrategy: str('always: every conflicting row is updated. ifNewer: only when the incoming upsertVersionColumn is greater than the stored one.', {
      enum: UPSERT_STRATEGIES,
      default: 'always',
    }),
    upsertVersionColumn: str('Column compared by upsertStrategy ifNewer (e.g. updated_at or a version number).', { minLength: 1 }),
    softDeleteColumn: str('Timestamp column set to NOW() for messages whose metadata operation is delete, instead of writing the row.', {
      minLength: 1,
    }),
    writesInFlight: int(
      'Batches written at once, each in its own transaction on its own connection, so one batch is sent while the previous one commits. ' +
        'Batches that share an upsert or soft-delete key are never in flight together; acknowledgements stay in order.',
      { minimum: 1, maximum: 8, default: 2 },
    ),
    ...rawModeProperties(),
  },
);

// ---------------------------------------------------------------------------------------------
// Cross-field rules

const URL_PREFIX = /^postgres(ql)?:\/\//i;
const DSN_PAIR = /^\s*[a-z_]+\s*=/i;

function checkConnection(c: ConfigCheck): void {
  c.requireValue('connectionString');
  const cs = c.string('connectionString');
  if (cs !== undefined && cs !== '' && !URL_PREFIX.test(cs) && !DSN_PAIR.test(cs)) {
    c.report(
      'connectionString',
      'must be a URL such as postgres://user@host:5432/db or a key=value DSN such as "host=db dbname=app user=app"',
    );
  }
  checkTableName(c, 'table', 2, 'a table name or schema.table');
}

export function checkPostgresqlSource(c: ConfigCheck): void {
  checkConnection(c);
  checkPollingSource(c);
}

export function checkPostgresqlSink(c: ConfigCheck): void {
  c.requireValue('table');
  checkConnection(c);
  checkBatchSink(c);
  const ifNewer = c.string('upsertStrategy') === 'ifNewer';
  if (ifNewer && !c.isTrue('upsertMode')) {
    c.report('upsertStrategy', 'upsertStrategy ifNewer applies only with upsertMode: true');
  }
  if (ifNewer && !c.has('upsertVersionColumn')) {
    c.report('upsertVersionColumn', 'upsertStrategy ifNewer needs upsertVersionColumn: the column that says which row is newer');
  }
  if (!ifNewer && c.has('upsertVersionColumn')) {
    c.report('upsertVersionColumn', 'upsertVersionColumn is used only with upsertStrategy: ifNewer');
  }
  checkColumnList(c, 'conflictKey');
  checkColumnName(c, 'upsertVersionColumn');
  checkColumnName(c, 'softDeleteColumn');
}
