import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { parseClickHouseSinkConfig, parseClickHouseSourceConfig } from './config.js';

const url = 'http://127.0.0.1:8123/db';

void describe('clickhouse config', () => {
  void it('applies the upstream source defaults', () => {
    const s = parseClickHouseSourceConfig({ connectionString: url, table: 'events' });
    assert.equal(s.changeTrackingColumn, 'created_at');
    assert.equal(s.orderByColumn, 'id');
    assert.equal(s.pollIntervalMs, 5000);
    assert.equal(s.readBatchSize, 0);
  });

  void it('refuses bad source configs naming the field', () => {
    assert.throws(() => parseClickHouseSourceConfig({ connectionString: url }), /config.table must be set/);
    assert.throws(() => parseClickHouseSourceConfig({ connectionString: 'clickhouse://h:9000/db', table: 't' }), /config.connectionString must be an http/);
    assert.throws(() => parseClickHouseSourceConfig({ connectionString: url, query: 'SELECT 1;' }), /semicolon/);
    assert.throws(() => parseClickHouseSourceConfig({ connectionString: url, table: 'a;b' }), (e: Error) => e instanceof ConfigError && /config.table/.test(e.message));
  });

  void it('derives the sink engine and keys', () => {
    const upsert = parseClickHouseSinkConfig({ connectionString: url, table: 't', upsertMode: true, conflictKey: 'a, b' });
    assert.equal(upsert.tableEngine, 'ReplacingMergeTree');
    assert.deepEqual(upsert.conflictKey, ['a', 'b']);
    assert.equal(upsert.conflictKeyExplicit, true);
    assert.equal(parseClickHouseSinkConfig({ connectionString: url, table: 't' }).tableEngine, 'MergeTree');
    // The defaulted `id` (what the worker gets after defaults) is not an explicit key.
    assert.equal(parseClickHouseSinkConfig({ connectionString: url, table: 't', conflictKey: 'id' }).conflictKeyExplicit, false);
    assert.throws(() => parseClickHouseSinkConfig({ connectionString: url, table: 't', upsertMode: true, tableEngine: 'MergeTree' }), /config.tableEngine/);
    assert.throws(() => parseClickHouseSinkConfig({ connectionString: url, table: 't', rawMode: true, flattenMetadataColumns: true }), /flattenMetadataColumns/);
    assert.throws(() => parseClickHouseSinkConfig({ connectionString: url, table: 't', password: 'p', passwordSecretRef: { name: 's', key: 'k' } }), /both set/);
  });
});
