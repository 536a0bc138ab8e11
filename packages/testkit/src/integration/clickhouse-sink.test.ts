// ClickHouse sink against the real server (18.16 under scripts/services): conformance, append,
// auto-created tables (column mode, upsert with ReplacingMergeTree + FINAL, rawMode), a poison row
// isolated while the others commit, and a server restart in the middle of a stream.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Message, Payload } from '@dataflow/worker';
import { ClickHouseSink, DataflowError, isRetriable, parseClickHouseSinkConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { makeMessage } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { sinkConformance } from '../sink-conformance.js';
import { chCount, chQuery, chRows, clickhouseAvailable, connectionString, credentials, services, uniqueTable } from './clickhouse-helpers.js';

const available = await clickhouseAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(30_000);

function sink(table: string, extra: Record<string, unknown> = {}): ClickHouseSink {
  return new ClickHouseSink(parseClickHouseSinkConfig({ connectionString, ...credentials, table, ...extra }), testContext(), { requestTimeoutMs: 10_000 });
}

function messages(payloads: readonly Payload[], firstOffset = 1, meta: Message['meta'] = {}): Message[] {
  return payloads.map((p, i) => makeMessage(p, { offset: firstOffset + i, meta }));
}

async function withSink<T>(table: string, extra: Record<string, unknown>, body: (s: ClickHouseSink) => Promise<T>): Promise<T> {
  const s = sink(table, extra);
  try {
    await s.open(timeout());
    return await body(s);
  } finally {
    await s.close();
  }
}

/** Columns in table order, as DESCRIBE reports them. */
async function describe_(table: string): Promise<Array<{ name: string; type: string }>> {
  return (await chRows(`DESCRIBE TABLE ${table}`)).map((r) => ({ name: String(r['name']), type: String(r['type']) }));
}

const drop = (table: string): Promise<string> => chQuery(`DROP TABLE IF EXISTS ${table}`);

if (!available) {
  void it('clickhouse sink integration', (t) => t.skip(serviceSkipReason('clickhouse', services.clickhouseUrl)));
} else {
  sinkConformance(
    'clickhouse sink',
    async () => {
      const table = uniqueTable('sink_conf');
      await chQuery(`CREATE TABLE ${table} (id Int32, name String) ENGINE = MergeTree() ORDER BY id`);
      return {
        sink: sink(table),
        written: () => chRows(`SELECT id, name FROM ${table} ORDER BY id`),
        cleanup: async () => void (await drop(table)),
      };
    },
    { rejectable: { id: 'not a number', name: 'bad' }, timeoutMs: 30_000 },
  );

  void describe('clickhouse sink', () => {
    void it('appends batches into an existing table, ignoring keys the table does not have', async () => {
      const table = uniqueTable('sink_append');
      await chQuery(`CREATE TABLE ${table} (id UInt32, at DateTime, name String) ENGINE = MergeTree() ORDER BY id`);
      try {
        await withSink(table, {}, async (s) => {
          const batch = messages(Array.from({ length: 500 }, (_, i) => ({ id: i + 1, at: '2024-06-01T12:00:00Z', name: `n${i + 1}`, extra: { x: 1 } })));
          assert.deepEqual((await s.write(batch, timeout())).failed, []);
          assert.deepEqual((await s.write(messages([{ id: 501, at: '2024-06-01 12:00:01', name: 'last' }], 501), timeout())).failed, []);
        });
        assert.equal(await chCount(table), 501);
        assert.deepEqual(await chRows(`SELECT id, at, name FROM ${table} WHERE id IN (1, 501) ORDER BY id`), [
          { id: 1, at: '2024-06-01 12:00:00', name: 'n1' },
          { id: 501, at: '2024-06-01 12:00:01', name: 'last' },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('auto-creates a MergeTree from the first batch with inferred types, ordered by the key', async () => {
      const table = uniqueTable('sink_auto');
      try {
        await withSink(table, { autoCreateTable: true }, async (s) => {
          const batch = messages([
            { id: 1, name: 'a', score: 1.5, active: true, at: '2024-06-01T00:00:00Z', tags: { k: 'v' } },
            { id: 2, name: 'b', score: 2, active: false, at: '2024-06-02T00:00:00Z', tags: null },
          ]);
          assert.deepEqual((await s.write(batch, timeout())).failed, []);
        });
        assert.deepEqual(await describe_(table), [
          { name: 'id', type: 'Int64' },
          { name: 'name', type: 'String' },
          { name: 'score', type: 'Float64' },
          { name: 'active', type: 'UInt8' },
          { name: 'at', type: 'DateTime' },
          { name: 'tags', type: 'Nullable(String)' },
        ]);
        assert.match(await chQuery(`SHOW CREATE TABLE ${table}`), /ENGINE = MergeTree\(\) ORDER BY id/);
        assert.deepEqual(await chRows(`SELECT id, active, tags FROM ${table} ORDER BY id`), [
          { id: '1', active: 1, tags: '{"k":"v"}' },
          { id: '2', active: 0, tags: null },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('upserts into an auto-created ReplacingMergeTree(version): FINAL keeps the newest row per key', async () => {
      const table = uniqueTable('sink_upsert');
      try {
        await withSink(table, { autoCreateTable: true, upsertMode: true, conflictKey: 'user_id', replacingVersionColumn: 'version' }, async (s) => {
          const first = messages([1, 2, 3].map((u) => ({ user_id: u, version: 1, state: 'old' })));
          const second = messages([{ user_id: 2, version: 2, state: 'new' }, { user_id: 3, version: 0, state: 'stale' }, { user_id: 4, version: 1, state: 'old' }], 10);
          assert.deepEqual((await s.write(first, timeout())).failed, []);
          assert.deepEqual((await s.write(second, timeout())).failed, []);
        });
        assert.equal(await chCount(table), 6, 'all versions are stored until a merge');
        assert.equal(await chCount(table, true), 4, 'one row per key with FINAL');
        assert.deepEqual(await chRows(`SELECT user_id, version, state FROM ${table} FINAL ORDER BY user_id`), [
          { user_id: '1', version: '1', state: 'old' },
          { user_id: '2', version: '2', state: 'new' },
          { user_id: '3', version: '1', state: 'old' },
          { user_id: '4', version: '1', state: 'old' },
        ]);
        assert.match(await chQuery(`SHOW CREATE TABLE ${table}`), /ENGINE = ReplacingMergeTree\(version\) ORDER BY user_id/);
      } finally {
        await drop(table);
      }
    });

    void it('rawMode stores the payload in data and the metadata in _metadata, unwrapping an envelope', async () => {
      const table = uniqueTable('sink_raw');
      try {
        await withSink(table, { autoCreateTable: true, rawMode: true }, async (s) => {
          const batch = [
            ...messages([{ user: 'u1', n: 1 }], 1, { topic: 'in', partition: 0, offset: 1 }),
            ...messages([{ value: { user: 'u2' }, _metadata: { topic: 'wrapped', offset: 100 } }], 2),
            makeMessage(new TextEncoder().encode('plain text'), { offset: 3 }),
          ];
          assert.deepEqual((await s.write(batch, timeout())).failed, []);
        });
        const rows = await chRows(`SELECT data, _metadata FROM ${table} ORDER BY data`);
        assert.deepEqual(
          rows.map((r) => [r['data'], r['_metadata']]).sort(),
          [
            ['plain text', '{}'],
            ['{"user":"u1","n":1}', '{"topic":"in","partition":0,"offset":1}'],
            ['{"user":"u2"}', '{"topic":"wrapped","offset":100}'],
          ].sort(),
        );
        assert.deepEqual((await describe_(table)).map((c) => c.name), ['data', '_metadata', 'created_at']);
      } finally {
        await drop(table);
      }
    });

    void it('isolates poison rows by splitting the batch: they fail by index, the other N−k rows commit once', async () => {
      const table = uniqueTable('sink_poison');
      await chQuery(`CREATE TABLE ${table} (id UInt32, amount Float64, at DateTime) ENGINE = MergeTree() ORDER BY id`);
      const poison = new Map<number, Payload>([
        [7, { id: 8, amount: 'lots', at: '2024-01-01 00:00:00' }],
        [50, { id: 51, amount: 1, at: 'not a time' }],
        [99, 'a bare string'],
      ]);
      try {
        await withSink(table, {}, async (s) => {
          const batch = messages(Array.from({ length: 100 }, (_, i) => poison.get(i) ?? { id: i + 1, amount: i * 1.5, at: '2024-01-01 00:00:00' }));
          const result = await s.write(batch, timeout());
          assert.deepEqual(result.failed.map((f) => f.index), [7, 50, 99]);
          for (const f of result.failed) {
            assert.ok(f.error instanceof DataflowError);
            assert.equal(f.error.retriable, false);
            assert.match(f.error.message, /p0@/, 'the error names the message');
          }
        });
        assert.equal(await chCount(table), 97);
        assert.equal(Number((await chQuery(`SELECT uniqExact(id) FROM ${table}`)).trim()), 97);
      } finally {
        await drop(table);
      }
    });

    void it('fails to open on a missing table without autoCreateTable, not retriable', async () => {
      const s = sink(uniqueTable('sink_missing'));
      try {
        await assert.rejects(s.open(timeout()), (error: Error) => /does not exist/.test(error.message) && !isRetriable(error));
      } finally {
        await s.close();
      }
    });

    void it('survives a ClickHouse restart mid-stream: failed batches are retried, no row is lost', { timeout: 180_000 }, async () => {
      const table = uniqueTable('sink_restart');
      await chQuery(`CREATE TABLE ${table} (id UInt32, payload String) ENGINE = MergeTree() ORDER BY id`);
      const perBatch = 100;
      let batches = 0;
      let retries = 0;
      try {
        await withSink(table, {}, async (s) => {
          // A server with an active client drains for a while before it goes down: write until the
          // restart finished, then a few batches more.
          let restarted = false;
          let afterRestart = 0;
          const restart = promisify(execFile)(`${services.servicesDir}/clickhouse.sh`, ['restart'], { timeout: 120_000 }).finally(() => (restarted = true));
          while (afterRestart < 5) {
            if (restarted) afterRestart++;
            const first = batches * perBatch + 1;
            const batch = messages(Array.from({ length: perBatch }, (_, i) => ({ id: first + i, payload: `b${batches}` })), first);
            // What the runtime does: back off and retry the whole batch while the error is retriable.
            for (let attempt = 0; ; attempt++) {
              try {
                assert.deepEqual((await s.write(batch, timeout())).failed, []);
                break;
              } catch (error) {
                assert.ok(isRetriable(error), `a restart gives retriable errors, got: ${String(error)}`);
                assert.ok(attempt < 400, 'ClickHouse did not come back');
                retries++;
                await delay(100);
              }
            }
            batches++;
            await delay(50);
          }
          await restart;
        });
        assert.ok(retries > 0, 'the restart interrupted at least one write');
        assert.equal(Number((await chQuery(`SELECT uniqExact(id) FROM ${table}`)).trim()), batches * perBatch, 'every row arrived');
        assert.equal(await chCount(table), batches * perBatch, 'no row arrived twice');
      } finally {
        await drop(table);
      }
    });
  });
}
