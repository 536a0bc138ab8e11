// ClickHouse source against the real server (18.16 under scripts/services): conformance, the
// composite cursor across rows sharing one change time, resume from the acked checkpoint, and
// query mode wrapped with the same cursor filter.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Message, PluginContext } from '@dataflow/worker';
import { ClickHouseSource, isRetriable, parseClickHouseSourceConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { serviceSkipReason } from '../services.js';
import { sourceConformance } from '../source-conformance.js';
import { chQuery, clickhouseAvailable, connectionString, credentials, services, uniqueTable } from './clickhouse-helpers.js';

const available = await clickhouseAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(30_000);

async function createEvents(rows: ReadonlyArray<{ id: number; at: string; name?: string }>): Promise<string> {
  const table = uniqueTable('src_events');
  await chQuery(`CREATE TABLE ${table} (id UInt64, created_at DateTime, name String) ENGINE = MergeTree() ORDER BY id`);
  if (rows.length > 0) await insertEvents(table, rows);
  return table;
}

async function insertEvents(table: string, rows: ReadonlyArray<{ id: number; at: string; name?: string }>): Promise<void> {
  const values = rows.map((r) => `(${r.id}, '${r.at}', '${r.name ?? `row-${r.id}`}')`).join(', ');
  await chQuery(`INSERT INTO ${table} VALUES ${values}`);
}

function source(config: Record<string, unknown>, ctx: PluginContext = testContext()): ClickHouseSource {
  return new ClickHouseSource(parseClickHouseSourceConfig({ connectionString, ...credentials, pollInterval: 0.2, ...config }), ctx, { checkpointSaveIntervalMs: 10 });
}

/** Reads until `count` messages arrived (fails after 15 s). */
async function readCount(src: ClickHouseSource, count: number, max = 100): Promise<Message[]> {
  const out: Message[] = [];
  const signal = AbortSignal.timeout(15_000);
  while (out.length < count) {
    out.push(...(await src.read(max, signal)));
    assert.ok(!signal.aborted, `only ${out.length} of ${count} rows arrived`);
  }
  return out;
}

/** What arrives within `ms` (for "nothing more" checks). */
async function readFor(src: ClickHouseSource, ms: number): Promise<Message[]> {
  const out: Message[] = [];
  const signal = AbortSignal.timeout(ms);
  while (!signal.aborted) out.push(...(await src.read(100, signal)));
  return out;
}

const ids = (messages: readonly Message[]): number[] => messages.map((m) => Number((m.value as Record<string, unknown>)['id']));

function compareOffsets(a: string, b: string): number {
  const [ca, oa] = JSON.parse(a) as [string, string];
  const [cb, ob] = JSON.parse(b) as [string, string];
  if (ca !== cb) return ca < cb ? -1 : 1;
  const x = BigInt(oa);
  const y = BigInt(ob);
  return x < y ? -1 : x > y ? 1 : 0;
}

if (!available) {
  void it('clickhouse source integration', (t) => t.skip(serviceSkipReason('clickhouse', services.clickhouseUrl)));
} else {
  sourceConformance(
    'clickhouse source',
    async () => {
      const rows = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, at: `2024-01-01 00:00:0${i % 3}` }));
      const table = await createEvents(rows);
      return { source: source({ table }), cleanup: async () => void (await chQuery(`DROP TABLE IF EXISTS ${table}`)) };
    },
    { finite: false, compareOffsets, timeoutMs: 15_000 },
  );

  void describe('clickhouse source', () => {
    void it('reads rows sharing one change time exactly once across pages and polls', async () => {
      const same = '2024-03-01 10:00:00';
      const table = await createEvents([1, 2, 3, 4, 5].map((id) => ({ id, at: same })));
      const src = source({ table, readBatchSize: 2 });
      try {
        await src.open(timeout());
        assert.deepEqual(ids(await readCount(src, 5)), [1, 2, 3, 4, 5]);
        // Later rows with the same change time and with an earlier one (not read: behind the cursor).
        await insertEvents(table, [{ id: 6, at: same }, { id: 7, at: same }, { id: 8, at: '2024-03-01 11:00:00' }, { id: 0, at: '2024-02-01 00:00:00' }]);
        assert.deepEqual(ids(await readCount(src, 3)), [6, 7, 8]);
        assert.deepEqual(await readFor(src, 600), []);
      } finally {
        await src.close();
        await chQuery(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    void it('resumes after the acked checkpoint, not after what was only read', async () => {
      const table = await createEvents([1, 2, 3, 4].map((id) => ({ id, at: `2024-04-0${id} 00:00:00` })));
      const ctx = testContext();
      const first = source({ table, readBatchSize: 10 }, ctx);
      try {
        await first.open(timeout());
        const read = await readCount(first, 4);
        await first.ack(read.slice(0, 2).map((m) => m.position));
      } finally {
        await first.close();
      }
      assert.deepEqual(ctx.saved(), { lastReadChangeTime: '2024-04-02 00:00:00', lastReadOrderByValue: '2' });
      const second = source({ table }, ctx);
      try {
        await second.open(timeout());
        assert.deepEqual(ids(await readCount(second, 2)), [3, 4]);
        assert.deepEqual(await readFor(second, 500), []);
      } finally {
        await second.close();
        await chQuery(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    void it('wraps a custom query with the cursor filter (query mode) and honours custom cursor columns', async () => {
      const table = uniqueTable('src_orders');
      await chQuery(`CREATE TABLE ${table} (order_no UInt32, changed DateTime, item String) ENGINE = MergeTree() ORDER BY order_no`);
      await chQuery(`INSERT INTO ${table} VALUES (1, '2024-05-01 00:00:00', 'a'), (2, '2024-05-01 00:00:00', 'b'), (3, '2024-05-02 00:00:00', 'c'), (4, '2024-05-03 00:00:00', 'd')`);
      const query = `SELECT order_no, changed, upper(item) AS item FROM ${table} WHERE order_no != 2`;
      const src = source({ query, changeTrackingColumn: 'changed', orderByColumn: 'order_no' });
      try {
        await src.open(timeout());
        const messages = await readCount(src, 3);
        assert.deepEqual(messages.map((m) => m.value), [
          { order_no: 1, changed: '2024-05-01 00:00:00', item: 'A' },
          { order_no: 3, changed: '2024-05-02 00:00:00', item: 'C' },
          { order_no: 4, changed: '2024-05-03 00:00:00', item: 'D' },
        ]);
        assert.deepEqual(messages[0]?.meta, { table: 'query', id: 1 });
        assert.equal(messages[0]?.timestamp.toISOString(), '2024-05-01T00:00:00.000Z');
        await chQuery(`INSERT INTO ${table} VALUES (5, '2024-05-03 00:00:00', 'e')`);
        assert.deepEqual(ids((await readCount(src, 1)).map((m) => ({ ...m, value: { id: (m.value as Record<string, number>)['order_no'] ?? -1 } }))), [5]);
      } finally {
        await src.close();
        await chQuery(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    void it('keeps polling across a ClickHouse restart: failed polls are retriable, no row is lost or repeated', { timeout: 180_000 }, async () => {
      const table = await createEvents([1, 2, 3].map((id) => ({ id, at: '2024-07-01 00:00:00' })));
      const src = source({ table });
      const seen: number[] = [];
      let retries = 0;
      try {
        await src.open(timeout());
        seen.push(...ids(await readCount(src, 3)));
        let restarted = false;
        const restart = promisify(execFile)(`${services.servicesDir}/clickhouse.sh`, ['restart'], { timeout: 120_000 }).finally(() => (restarted = true));
        let inserted = false;
        const deadline = Date.now() + 150_000;
        while (seen.length < 6) {
          assert.ok(Date.now() < deadline, `only ${seen.length} of 6 rows arrived`);
          if (restarted && !inserted) {
            await insertEvents(table, [4, 5, 6].map((id) => ({ id, at: '2024-07-01 00:00:01' })));
            inserted = true;
          }
          try {
            seen.push(...ids(await src.read(100, AbortSignal.timeout(1000))));
          } catch (error) {
            // What the runtime does: back off and read again while the error is retriable.
            assert.ok(isRetriable(error), `a restart gives retriable errors, got: ${String(error)}`);
            retries++;
            await delay(100);
          }
        }
        await restart;
        assert.ok(retries > 0, 'the restart interrupted at least one poll');
        assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
      } finally {
        await src.close();
        await chQuery(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    void it('refuses to open on a table without the cursor columns, naming them', async () => {
      const table = uniqueTable('src_nocursor');
      await chQuery(`CREATE TABLE ${table} (k UInt32) ENGINE = MergeTree() ORDER BY k`);
      const src = source({ table });
      try {
        await assert.rejects(src.open(timeout()), (error: Error) => /changeTrackingColumn "created_at"/.test(error.message) && (error as { retriable?: boolean }).retriable === false);
      } finally {
        await src.close();
        await chQuery(`DROP TABLE IF EXISTS ${table}`);
      }
    });
  });
}
