import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { checkSinkConfig, checkSourceConfig } from './index.js';
import { postgresqlSinkSchema, postgresqlSourceSchema } from './postgresql.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const source = (config: Record<string, unknown>) => checkSourceConfig('postgresql', config, 'spec.source.config', 'ns');
const sink = (config: Record<string, unknown>) => checkSinkConfig('postgresql', config, 'spec.sink.config', 'ns');
const conn = { connectionString: 'postgres://app@db:5432/app', table: 'public.orders' };

void describe('postgresql source', () => {
  void it('accepts a minimal config and fills in the upstream defaults', () => {
    const config: Record<string, unknown> = { ...conn };
    assert.deepEqual(schemaErrors(postgresqlSourceSchema, config), []);
    assert.deepEqual(source(config), []);
    assert.equal(config['pollInterval'], 5);
    assert.equal(config['readBatchSize'], 0);
    assert.equal(config['changeTrackingColumn'], 'updated_at');
    assert.equal(config['orderByColumn'], 'id');
  });

  void it('accepts a DSN, Secret references and a query instead of a table', () => {
    const config = {
      connectionStringSecretRef: { name: 'pg', key: 'dsn' },
      query: 'SELECT id, updated_at, total FROM orders WHERE total > 0',
      readBatchSize: 500,
    };
    assert.deepEqual(schemaErrors(postgresqlSourceSchema, config), []);
    assert.deepEqual(source(config), []);
    assert.deepEqual(source({ connectionString: 'host=db dbname=app user=app', tableSecretRef: { name: 'pg', key: 'table' } }), []);
  });

  void it('schema rejects a zero poll interval, a negative read batch and unknown fields', () => {
    assert.equal(schemaErrors(postgresqlSourceSchema, { ...conn, pollInterval: 0 }).length, 1);
    assert.equal(schemaErrors(postgresqlSourceSchema, { ...conn, readBatchSize: -1 }).length, 1);
    assert.equal(schemaErrors(postgresqlSourceSchema, { ...conn, autoCommit: true }).length, 1);
  });

  void it('requires a connection string and a table or query', () => {
    assert.deepEqual(source({}), [
      { path: 'spec.source.config.connectionString', message: 'set either connectionString or connectionStringSecretRef' },
      { path: 'spec.source.config.table', message: 'set table (or tableSecretRef) or query' },
    ]);
  });

  void it('rejects a connection string that is neither a postgres URL nor a DSN', () => {
    assert.deepEqual(source({ ...conn, connectionString: 'mysql://db/app' }), [
      {
        path: 'spec.source.config.connectionString',
        message: 'must be a URL such as postgres://user@host:5432/db or a key=value DSN such as "host=db dbname=app user=app"',
      },
    ]);
    assert.deepEqual(source({ ...conn, connectionString: 'postgresql://db/app' }), []);
  });

  void it('checks table names: at most schema.table, no NUL', () => {
    assert.deepEqual(source({ ...conn, table: 'db.public.orders' }), [
      { path: 'spec.source.config.table', message: 'must be a table name or schema.table (got 3 dot-separated parts)' },
    ]);
    assert.deepEqual(source({ ...conn, table: 'ord\u0000ers' }), [
      { path: 'spec.source.config.table', message: 'must be a table name or schema.table: "ord\u0000ers" contains a control character, a quote or a semicolon' },
    ]);
    assert.deepEqual(source({ ...conn, table: 'public.' }), [
      { path: 'spec.source.config.table', message: 'must be a table name or schema.table: "" is empty' },
    ]);
  });

  void it('rejects a query with a trailing semicolon and odd column names', () => {
    assert.deepEqual(source({ ...conn, query: 'SELECT * FROM t;', orderByColumn: 'id; drop' }), [
      { path: 'spec.source.config.query', message: 'remove the trailing semicolon: the query is wrapped in a subquery' },
      { path: 'spec.source.config.orderByColumn', message: 'must be a column name: it contains a control character, a quote or a semicolon' },
    ]);
  });
});

void describe('postgresql sink', () => {
  void it('accepts a minimal config and fills in the upstream defaults', () => {
    const config: Record<string, unknown> = { ...conn };
    assert.deepEqual(schemaErrors(postgresqlSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
    assert.equal(config['batchSize'], 1);
    assert.equal(config['batchFlushIntervalSeconds'], 10);
    assert.equal(config['autoCreateTable'], false);
    assert.equal(config['upsertMode'], false);
    assert.equal(config['conflictKey'], 'id');
    assert.equal(config['upsertStrategy'], 'always');
    assert.equal(config['rawMode'], false);
    assert.equal(config['flattenMetadataColumns'], false);
    assert.equal(config['flattenMetadataColumnsPrefix'], '');
  });

  void it('accepts upserts, soft deletes and rawMode with flattened metadata', () => {
    const config = {
      ...conn,
      batchSize: 500,
      batchFlushIntervalSeconds: 0.5,
      upsertMode: true,
      conflictKey: 'tenant_id, id',
      upsertStrategy: 'ifNewer',
      upsertVersionColumn: 'updated_at',
      softDeleteColumn: 'deleted_at',
    };
    assert.deepEqual(schemaErrors(postgresqlSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
    const raw = { ...conn, rawMode: true, flattenMetadataColumns: true, flattenMetadataColumnsPrefix: 'meta_', autoCreateTable: true };
    assert.deepEqual(schemaErrors(postgresqlSinkSchema, raw), []);
    assert.deepEqual(sink(raw), []);
  });

  void it('schema rejects a zero batch size, a negative interval and an unknown strategy', () => {
    assert.equal(schemaErrors(postgresqlSinkSchema, { ...conn, batchSize: 0 }).length, 1);
    assert.equal(schemaErrors(postgresqlSinkSchema, { ...conn, batchFlushIntervalSeconds: -1 }).length, 1);
    assert.equal(schemaErrors(postgresqlSinkSchema, { ...conn, upsertStrategy: 'replace' }).length, 1);
    assert.equal(schemaErrors(postgresqlSinkSchema, { ...conn, conflictKey: '' }).length, 1);
  });

  void it('requires a connection string and a table (a query is no alternative)', () => {
    assert.deepEqual(sink({ connectionStringSecretRef: { name: 'pg', key: 'url' } }), [
      { path: 'spec.sink.config.table', message: 'set either table or tableSecretRef' },
    ]);
  });

  void it('ties ifNewer to upsertMode and upsertVersionColumn', () => {
    assert.deepEqual(sink({ ...conn, upsertStrategy: 'ifNewer' }), [
      { path: 'spec.sink.config.upsertStrategy', message: 'upsertStrategy ifNewer applies only with upsertMode: true' },
      { path: 'spec.sink.config.upsertVersionColumn', message: 'upsertStrategy ifNewer needs upsertVersionColumn: the column that says which row is newer' },
    ]);
    assert.deepEqual(sink({ ...conn, upsertMode: true, upsertVersionColumn: 'v' }), [
      { path: 'spec.sink.config.upsertVersionColumn', message: 'upsertVersionColumn is used only with upsertStrategy: ifNewer' },
    ]);
  });

  void it('allows flattenMetadataColumns only with rawMode', () => {
    assert.deepEqual(sink({ ...conn, flattenMetadataColumns: true, flattenMetadataColumnsPrefix: 'm_' }), [
      { path: 'spec.sink.config.flattenMetadataColumns', message: 'flattenMetadataColumns works only with rawMode: set rawMode: true, or remove flattenMetadataColumns' },
    ]);
    assert.deepEqual(sink({ ...conn, rawMode: true, flattenMetadataColumnsPrefix: 'm_' }), [
      { path: 'spec.sink.config.flattenMetadataColumnsPrefix', message: 'flattenMetadataColumnsPrefix is used only with flattenMetadataColumns: true' },
    ]);
  });

  void it('checks every column of a composite conflict key', () => {
    assert.deepEqual(sink({ ...conn, upsertMode: true, conflictKey: 'tenant_id,,id' }), [
      { path: 'spec.sink.config.conflictKey', message: 'must be a column name or a comma-separated list of them: "" is empty' },
    ]);
  });
});
