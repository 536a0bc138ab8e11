import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_WRITES_IN_FLIGHT, parsePostgresqlSinkConfig } from './config.js';
import { PostgresqlSink } from './sink.js';
import { silentLogger } from '../../runtime/silent-logger.js';
import type { PluginContext } from '../../plugin.js';

const base = { connectionString: 'postgres://app@db:5432/app', table: 'orders' };
const ctx = { log: silentLogger, flow: { namespace: 'shop', name: 'orders' } } as unknown as PluginContext;

void describe('postgresql sink writesInFlight', () => {
  void it('defaults to two batches in flight and tells the runtime', () => {
    assert.equal(DEFAULT_WRITES_IN_FLIGHT, 2);
    assert.equal(new PostgresqlSink(parsePostgresqlSinkConfig(base), ctx).concurrentWrites, 2);
    assert.equal(new PostgresqlSink(parsePostgresqlSinkConfig({ ...base, writesInFlight: 4 }), ctx).concurrentWrites, 4);
  });

  void it('rejects a value outside 1–8 with the field name', () => {
    assert.throws(() => parsePostgresqlSinkConfig({ ...base, writesInFlight: 0 }), /writesInFlight/);
    assert.throws(() => parsePostgresqlSinkConfig({ ...base, writesInFlight: 2.5 }), /writesInFlight/);
    assert.throws(() => parsePostgresqlSinkConfig({ ...base, writesInFlight: 9 }), /writesInFlight must be at most 8/);
  });
});
