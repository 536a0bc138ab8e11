// Trino source against the real server (memory catalog): the composite cursor with names other
// than `id`, rows sharing a change time across page boundaries, checkpoints that follow acks only,
// query mode, cancellation of a running statement on abort, and queryTimeoutSeconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@dataflow/worker';
import { ConfigError, TrinoClient, TrinoSource, createTrinoAuth, parseTrinoSourceConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import type { TestContext } from '../context.js';
import { serviceSkipReason } from '../services.js';
import { memoryConfig, services, trinoAvailable, trinoRows, uniqueTable } from './trino-helpers.js';

const available = await trinoAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(60_000);

function source(table: string, ctx: TestContext, extra: Record<string, unknown> = {}): TrinoSource {
  const config = memoryConfig(table, { pollInterval: 1, orderByColumn: 'seq', changeTrackingColumn: 'changed_at', ...extra });
  return new TrinoSource(parseTrinoSourceConfig(config), ctx, { checkpointSaveIntervalMs: 10 });
}

/** Reads until `count` messages arrived (or fails after the timeout). */
async function readN(src: TrinoSource, count: number): Promise<Message[]> {
  const out: Message[] = [];
  const signal = AbortSignal.timeout(30_000);
  while (out.length < count) {
    const batch = await src.read(count - out.length, signal);
    if (batch.length === 0) throw new Error(`only ${out.length} of ${count} messages arrived`);
    out.push(...batch);
  }
  return out;
}

const seqs = (messages: readonly Message[]): unknown[] => messages.map((m) => (m.value as Record<string, unknown>)['seq']);

if (!available) {
  void it('trino source integration', (t) => t.skip(serviceSkipReason('trino', services.trinoUrl)));
} else {
  void describe('trino source', () => {
    void it('reads in (changeTrackingColumn, orderByColumn) order across pages and resumes from the acked checkpoint only', async () => {
      const table = uniqueTable('src');
      await trinoRows(`CREATE TABLE memory.default.${table} (seq bigint, changed_at timestamp(6), label varchar)`);
      // Three rows share one change time with microseconds: a page boundary falls between them.
      await trinoRows(
        `INSERT INTO memory.default.${table} VALUES (3, TIMESTAMP '2024-01-01 00:00:00.000001', 'c'), (1, TIMESTAMP '2024-01-01 00:00:00.000001', 'a'), ` +
          `(2, TIMESTAMP '2024-01-01 00:00:00.000001', 'b'), (9, TIMESTAMP '2023-12-31 23:59:59.999999', 'old'), (5, NULL, 'no change time')`,
      );
      const ctx = testContext();
      const first = source(table, ctx, { readBatchSize: 2 });
      await first.open(timeout());
      const read = await readN(first, 4);
      assert.deepEqual(seqs(read), [9, 1, 2, 3]);
      assert.deepEqual(read[1]?.meta, { catalog: 'memory', schema: 'default', table, id: 1 });
      assert.equal(read[1]?.position.partition, `memory.default.${table}`);
      // Ack the first two only: the checkpoint must not run ahead of the acks.
      await first.ack(read.slice(0, 2).map((m) => m.position));
      await first.close();
      assert.deepEqual(ctx.saved(), { lastReadChangeTime: '2024-01-01 00:00:00.000001', lastReadOrderByValue: 1 });

      await trinoRows(`INSERT INTO memory.default.${table} VALUES (4, TIMESTAMP '2024-01-01 00:00:00.000002', 'd')`);
      const second = source(table, ctx, { readBatchSize: 2 });
      await second.open(timeout());
      const again = await readN(second, 3);
      assert.deepEqual(seqs(again), [2, 3, 4], 'unacked rows come again, acked ones do not');
      await second.ack(again.map((m) => m.position));
      await second.close();
      assert.deepEqual(ctx.saved(), { lastReadChangeTime: '2024-01-01 00:00:00.000002', lastReadOrderByValue: 4 });
    });

    void it('tracks by orderByColumn alone when changeTrackingColumn is absent, with string keys', async () => {
      const table = uniqueTable('src_str');
      await trinoRows(`CREATE TABLE memory.default.${table} (code varchar, n integer)`);
      await trinoRows(`INSERT INTO memory.default.${table} VALUES ('b''x', 2), ('a', 1), ('c', 3)`);
      const ctx = testContext();
      const src = new TrinoSource(parseTrinoSourceConfig(memoryConfig(table, { orderByColumn: 'code', pollInterval: 1 })), ctx, { checkpointSaveIntervalMs: 10 });
      await src.open(timeout());
      const read = await readN(src, 3);
      assert.deepEqual(read.map((m) => (m.value as Record<string, unknown>)['code']), ['a', "b'x", 'c']);
      await src.ack([read[1] as Message].map((m) => m.position));
      await src.close();
      assert.deepEqual(ctx.saved(), { lastReadOrderByValue: "b'x" });
    });

    void it('wraps a custom query with the same cursor filter', async () => {
      const table = uniqueTable('src_q');
      await trinoRows(`CREATE TABLE memory.default.${table} (seq bigint, changed_at timestamp(3), amount double)`);
      await trinoRows(`INSERT INTO memory.default.${table} VALUES (1, TIMESTAMP '2024-01-01 00:00:01', 5), (2, TIMESTAMP '2024-01-01 00:00:02', 50), (3, TIMESTAMP '2024-01-01 00:00:03', 500)`);
      const config = memoryConfig(table, {
        table: undefined,
        query: `SELECT seq, changed_at, amount * 2 AS doubled FROM memory.default.${table} WHERE amount > 10`,
        orderByColumn: 'seq',
        changeTrackingColumn: 'changed_at',
        pollInterval: 1,
      });
      const src = new TrinoSource(parseTrinoSourceConfig(config), testContext());
      await src.open(timeout());
      const read = await readN(src, 2);
      assert.deepEqual(read.map((m) => m.value), [
        { seq: 2, changed_at: '2024-01-01 00:00:02.000', doubled: 100 },
        { seq: 3, changed_at: '2024-01-01 00:00:03.000', doubled: 1000 },
      ]);
      assert.equal(read[0]?.position.partition, 'query');
      await src.close();
    });

    void it('fails open with a ConfigError naming the columns when the cursor column is missing', async () => {
      const table = uniqueTable('src_bad');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint)`);
      const src = source(table, testContext());
      await assert.rejects(src.open(timeout()), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /COLUMN_NOT_FOUND.*orderByColumn "seq" and changeTrackingColumn "changed_at"/s);
        return true;
      });
      await src.close();
    });

    void it('cancels the running statement on the server when the read is aborted, and enforces queryTimeoutSeconds', async () => {
      const settings = parseTrinoSourceConfig(memoryConfig('unused', { queryTimeoutSeconds: 1 }));
      const auth = await createTrinoAuth(settings, testContext().secrets, 'test');
      const slow = 'SELECT count(*) FROM tpch.sf1000.lineitem WHERE comment LIKE \'%dataflow-cancel-test%\'';
      const client = new TrinoClient({ serverURL: services.trinoUrl, catalog: 'tpch', schema: 'tiny', auth, queryTimeoutMs: 1000 });
      const started = performance.now();
      await assert.rejects(client.query(slow, 'slow query'), /slow query exceeded queryTimeoutSeconds \(1 s\) and was cancelled/);
      assert.ok(performance.now() - started < 5000, 'the timeout covers the whole statement');

      const noLimit = new TrinoClient({ serverURL: services.trinoUrl, catalog: 'tpch', schema: 'tiny', auth });
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 500);
      await assert.rejects(noLimit.query(`${slow} AND 1 = 1`, 'aborted query', abort.signal), /aborted query cancelled: shutting down/);
      // Both statements end on the server as cancelled, not running on.
      let states: unknown[][] = [];
      for (let i = 0; i < 50; i++) {
        states = await trinoRows(`SELECT state FROM system.runtime.queries WHERE query LIKE '%dataflow-cancel-test%' AND query NOT LIKE '%system.runtime%'`);
        if (states.length >= 2 && states.every(([state]) => state === 'FAILED')) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(states.length >= 2 && states.every(([state]) => state === 'FAILED'), `statements still running: ${JSON.stringify(states)}`);
      await client.close();
      await noLimit.close();
    });
  });
}
