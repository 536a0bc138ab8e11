import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { clickhouseSinkSchema, clickhouseSourceSchema } from './clickhouse.js';
import { checkSinkConfig, checkSourceConfig } from './index.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const source = (config: Record<string, unknown>) => checkSourceConfig('clickhouse', config, 'spec.source.config', 'ns');
const sink = (config: Record<string, unknown>) => checkSinkConfig('clickhouse', config, 'spec.sink.config', 'ns');
const conn = { connectionString: 'http://clickhouse:8123/analytics', table: 'events' };

void describe('clickhouse source', () => {
  void it('accepts a minimal config and fills in the upstream defaults (created_at, not updated_at)', () => {
    const config: Record<string, unknown> = { ...conn };
    assert.deepEqual(schemaErrors(clickhouseSourceSchema, config), []);
    assert.deepEqual(source(config), []);
    assert.equal(config['pollInterval'], 5);
    assert.equal(config['changeTrackingColumn'], 'created_at');
    assert.equal(config['orderByColumn'], 'id');
    assert.equal(config['readBatchSize'], 0);
  });

  void it('accepts credentials as Secret references and database.table', () => {
    const config = {
      connectionStringSecretRef: { name: 'ch', key: 'url' },
      userSecretRef: { name: 'ch', key: 'user' },
      passwordSecretRef: { name: 'ch', key: 'password' },
      table: 'analytics.events',
    };
    assert.deepEqual(schemaErrors(clickhouseSourceSchema, config), []);
    assert.deepEqual(source(config), []);
  });

  void it('refuses the native protocol and other schemes', () => {
    assert.deepEqual(source({ ...conn, connectionString: 'clickhouse://clickhouse:9000/analytics' }), [
      {
        path: 'spec.source.config.connectionString',
        message: 'use the HTTP interface, e.g. http://clickhouse:8123/analytics: the native protocol (clickhouse://, tcp://, port 9000) is not supported',
      },
    ]);
    assert.deepEqual(source({ ...conn, connectionString: 'not a url' }), [
      { path: 'spec.source.config.connectionString', message: 'must be a URL such as http://clickhouse:8123/analytics' },
    ]);
  });

  void it('requires a connection string and a table or query; at most database.table', () => {
    assert.deepEqual(source({ user: 'u' }), [
      { path: 'spec.source.config.connectionString', message: 'set either connectionString or connectionStringSecretRef' },
      { path: 'spec.source.config.table', message: 'set table (or tableSecretRef) or query' },
    ]);
    assert.deepEqual(source({ ...conn, table: 'a.b.c' }), [
      { path: 'spec.source.config.table', message: 'must be a table name or database.table (got 3 dot-separated parts)' },
    ]);
  });
});

void describe('clickhouse sink', () => {
  void it('accepts a minimal config and fills in the batching defaults (10,000 rows, 1 s)', () => {
    const config: Record<string, unknown> = { ...conn };
    assert.deepEqual(schemaErrors(clickhouseSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
    assert.equal(config['batchSize'], 10000);
    assert.equal(config['batchFlushIntervalSeconds'], 1);
    assert.equal(config['conflictKey'], 'id');
    assert.equal(config['tableEngine'], undefined, 'the engine default depends on upsertMode');
  });

  void it('accepts an upserting auto-created table and a timer-only batch', () => {
    const config = {
      ...conn,
      autoCreateTable: true,
      upsertMode: true,
      conflictKey: 'tenant, id',
      replacingVersionColumn: 'version',
      tableEngine: 'ReplacingMergeTree',
      batchSize: 0,
      batchFlushIntervalSeconds: 1,
    };
    assert.deepEqual(schemaErrors(clickhouseSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
  });

  void it('schema rejects unknown engines and negative batches', () => {
    assert.equal(schemaErrors(clickhouseSinkSchema, { ...conn, tableEngine: 'Log' }).length, 1);
    assert.equal(schemaErrors(clickhouseSinkSchema, { ...conn, batchSize: -1 }).length, 1);
  });

  void it('refuses a batch that can never flush', () => {
    assert.deepEqual(sink({ ...conn, batchSize: 0, batchFlushIntervalSeconds: 0 }), [
      {
        path: 'spec.sink.config.batchFlushIntervalSeconds',
        message: 'set batchFlushIntervalSeconds above 0 or batchSize above 0: with both at 0 the sink never flushes',
      },
    ]);
  });

  void it('checks engine and version column against upsertMode and autoCreateTable', () => {
    assert.deepEqual(sink({ ...conn, upsertMode: true, tableEngine: 'MergeTree' }), [
      { path: 'spec.sink.config.tableEngine', message: 'upsertMode needs tableEngine ReplacingMergeTree (or leave tableEngine out)' },
      { path: 'spec.sink.config.tableEngine', message: 'tableEngine is used only with autoCreateTable: true' },
    ]);
    assert.deepEqual(sink({ ...conn, replacingVersionColumn: 'v' }), [
      { path: 'spec.sink.config.replacingVersionColumn', message: 'replacingVersionColumn is used only with upsertMode: true or tableEngine ReplacingMergeTree' },
    ]);
  });

  void it('allows flattenMetadataColumns only with rawMode', () => {
    assert.deepEqual(sink({ ...conn, flattenMetadataColumns: true }), [
      { path: 'spec.sink.config.flattenMetadataColumns', message: 'flattenMetadataColumns works only with rawMode: set rawMode: true, or remove flattenMetadataColumns' },
    ]);
  });
});
