// The PostgreSQL sink with several batches in flight (one connection each) through the real
// runtime: append mode writes every row exactly once; in upsert mode a key updated by many
// batches ends with its last value, because batches sharing a key never overlap.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@dataflow/worker';
import { PostgresqlSink, parsePostgresqlSinkConfig, runPipeline } from '@dataflow/worker';
import { testContext } from '../context.js';
import { MemorySource } from '../memory-source.js';
import { makeMessage } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { count, pgUrl, postgresAvailable, services, sql, uniqueName } from './postgresql-helpers.js';

const available = await postgresAvailable();

/**
 * `total` messages; message i sets key i % keys to version i. A key always lives in the same one
 * of 4 partitions (as with Kafka's key partitioning): order is only defined within a partition.
 */
function versions(total: number, keys: number): Message[] {
  const offsets = [0, 0, 0, 0];
  return Array.from({ length: total }, (_, i) => {
    const partition = (i % keys) % 4;
    const offset = ++(offsets[partition] as number);
    return makeMessage({ id: i % keys, version: i, note: `v${i}` }, { partition: `p${partition}`, offset });
  });
}

async function drain(table: string, messages: readonly Message[], config: Record<string, unknown>, writesInFlight: number): Promise<{ committed: number; concurrent: number }> {
  const sink = new PostgresqlSink(parsePostgresqlSinkConfig({ connectionString: pgUrl, table, ...config, writesInFlight }), testContext());
  const source = new MemorySource({ messages });
  // Counts how many writes overlap, to show the pipelining is real.
  let active = 0;
  let concurrent = 0;
  const write = sink.write.bind(sink);
  sink.write = async (batch, signal) => {
    concurrent = Math.max(concurrent, ++active);
    try {
      return await write(batch, signal);
    } finally {
      active--;
    }
  };
  const summary = await runPipeline({ source, sourceType: 'memory', main: { name: 'main', type: 'postgresql', sink, batch: { maxSize: 40, maxAgeMs: 0 } } });
  return { committed: summary.committed, concurrent };
}

if (!available) {
  void it('postgresql pipelined writes', (t) => t.skip(serviceSkipReason('postgresql', new URL(services.pgUrl).host)));
} else {
  void describe('postgresql sink with several writes in flight', () => {
    void it('appends every row exactly once', async () => {
      const table = uniqueName('h1_pg_pipelined_append');
      await sql(`CREATE TABLE ${table} (id int, version int, note text)`);
      try {
        const result = await drain(table, versions(2000, 2000), {}, 3);
        assert.equal(result.committed, 2000);
        assert.ok(result.concurrent > 1, `writes overlapped (at most ${result.concurrent} at once)`);
        const [stats] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT version)::int AS distinct FROM ${table}`);
        assert.deepEqual(stats, { n: 2000, distinct: 2000 });
      } finally {
        await sql(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    void it('upserts keys touched by many batches to their last value', async () => {
      const table = uniqueName('h1_pg_pipelined_upsert');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, version int, note text)`);
      try {
        // 30 keys, each updated in nearly every batch of 40.
        const result = await drain(table, versions(3000, 30), { upsertMode: true, conflictKey: 'id' }, 3);
        assert.equal(result.committed, 3000);
        assert.equal(await count(table), 30);
        const rows = await sql<{ id: number; version: number }>(`SELECT id, version FROM ${table} ORDER BY id`);
        for (const row of rows) assert.equal(row.version, 2970 + row.id, `key ${row.id} holds its last version`);
      } finally {
        await sql(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    void it('overlaps upsert batches whose keys differ', async () => {
      const table = uniqueName('h1_pg_pipelined_keys');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, version int, note text)`);
      try {
        const result = await drain(table, versions(2000, 2000), { upsertMode: true, conflictKey: 'id' }, 3);
        assert.equal(result.committed, 2000);
        assert.equal(await count(table), 2000);
        assert.ok(result.concurrent > 1, `writes overlapped (at most ${result.concurrent} at once)`);
      } finally {
        await sql(`DROP TABLE IF EXISTS ${table}`);
      }
    });
  });
}
