// Kafka → ClickHouse through the REAL worker process under failures: SIGKILL and restart of the
// worker 5 times (append into a MergeTree, upsert into a ReplacingMergeTree counted with FINAL),
// a ClickHouse restart mid-stream, and a poison row among good ones. Row counts prove nothing was
// lost; the upsert table proves nothing was duplicated.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { DataFlowSpec } from '@dataflow/api';
import { serviceSkipReason } from '../services.js';
import { waitFor } from '../wait-for.js';
import { chQuery, chRows, clickhouseAvailable, connectionString, services, uniqueTable } from './clickhouse-helpers.js';
import { IN_FLIGHT_PER_CRASH, SINK_BATCH_SIZE, SteadyProducer, assertOnlyPoisonDeadLettered, failWith, kafkaBrokers, numberedRow, orFailWith, withWorker } from './failure-harness.js';
import { createTopic, kafkaAvailable, produce, uniqueName as uniqueTopic } from './kafka-helpers.js';
import { uniqueFlow } from './postgresql-helpers.js';
import type { WorkerProcess } from './worker-process.js';

const run = promisify(execFile);
const available = (await kafkaAvailable()) && (await clickhouseAvailable());


function flowSpec(topic: string, table: string, sink: Record<string, unknown> = {}, extra: Partial<DataFlowSpec> = {}): DataFlowSpec {
  return {
    source: { type: 'kafka', config: { brokers: kafkaBrokers(), topic, startOffset: 'earliest' } },
    sink: {
      type: 'clickhouse',
      config: { connectionString, user: services.clickhouseUser, password: services.clickhousePassword, table, batchSize: SINK_BATCH_SIZE, batchFlushIntervalSeconds: 0.2, ...sink },
    },
    ...extra,
  };
}

async function createRowTable(table: string, engine: 'MergeTree' | 'ReplacingMergeTree'): Promise<void> {
  await chQuery(`CREATE TABLE ${table} (id UInt64, category String, value Float64, ts UInt64) ENGINE = ${engine} ORDER BY id`);
}

/** Rows and distinct ids; `final` merges a ReplacingMergeTree's duplicates first (what a reader sees after merges). */
async function rowStats(table: string, final = false): Promise<{ rows: number; ids: number }> {
  const [row] = await chRows(`SELECT count() AS rows, uniqExact(id) AS ids FROM ${table}${final ? ' FINAL' : ''}`);
  return { rows: Number(row?.['rows'] ?? -1), ids: Number(row?.['ids'] ?? -1) };
}

async function waitForAllIds(table: string, n: number, timeoutMs: number, what: string): Promise<void> {
  await waitFor(async () => (await rowStats(table).catch(() => ({ rows: 0, ids: 0 }))).ids >= n, { timeoutMs, intervalMs: 250, what });
}

if (!available) {
  void it('kafka → clickhouse failure tests', (t) => t.skip(serviceSkipReason('kafka and clickhouse', `${services.kafkaBrokers}, ${services.clickhouseUrl}`)));
} else {
  void describe('kafka → clickhouse through the worker process, under failures', { timeout: 170_000 }, () => {
    const tables: string[] = [];
    after(async () => {
      for (const table of tables) await chQuery(`DROP TABLE IF EXISTS ${table}`);
    });

    void it('SIGKILL and restart 5 times while producing: no loss, bounded duplicates (append), none after FINAL (upsert)', async () => {
      const topic = uniqueTopic('h3-ch-kill');
      const append = uniqueTable('h3_kill_append');
      const upsert = uniqueTable('h3_kill_upsert');
      tables.push(append, upsert);
      await createTopic(topic, 4);
      await createRowTable(append, 'MergeTree');
      await createRowTable(upsert, 'ReplacingMergeTree');
      const producer = new SteadyProducer([topic], 200, 100);
      await producer.start();
      const kills = 5;
      try {
        await withWorker(flowSpec(topic, append), uniqueFlow('h3-ch-kill-append'), (startAppend) =>
          withWorker(flowSpec(topic, upsert, { upsertMode: true, conflictKey: 'id' }), uniqueFlow('h3-ch-kill-upsert'), async (startUpsert) => {
            let workers = [startAppend(), startUpsert()];
            for (let round = 1; round <= kills; round++) {
              // Kill mid-stream: only once both workers are writing again.
              const before = await Promise.all([rowStats(append), rowStats(upsert)]);
              const writing = waitFor(async () => (await rowStats(append)).rows > before[0].rows && (await rowStats(upsert)).rows > before[1].rows, {
                timeoutMs: 30_000,
                intervalMs: 200,
                what: `both workers writing before kill ${round}`,
              });
              await orFailWith(workers[0] as WorkerProcess, writing);
              await delay(200 + Math.floor(Math.random() * 400));
              for (const worker of workers) await worker.stop('SIGKILL');
              workers = [startAppend(), startUpsert()];
            }
            const restartedAt = performance.now();
            const total = await producer.stop();
            for (const [i, table] of [append, upsert].entries()) {
              await orFailWith(workers[i] as WorkerProcess, waitForAllIds(table, total, 45_000, `${table}: every produced id after the last restart`));
            }
            const caughtUpSeconds = (performance.now() - restartedAt) / 1000;
            for (const worker of workers) {
              const exit = await worker.stop('SIGTERM');
              assert.deepEqual(exit, { code: 0, signal: null }, 'a graceful stop after the crashes exits 0');
            }
            const appendStats = await rowStats(append);
            assert.equal(appendStats.ids, total, 'append: no id lost');
            assert.ok(appendStats.rows - total <= kills * IN_FLIGHT_PER_CRASH, `append: ${appendStats.rows - total} duplicates exceed ${kills} crashes × ${IN_FLIGHT_PER_CRASH} in flight`);
            const upsertRaw = await rowStats(upsert);
            assert.deepEqual(await rowStats(upsert, true), { rows: total, ids: total }, 'upsert: every id exactly once with FINAL');
            const [maxId] = await chRows(`SELECT toString(max(id)) AS max FROM ${upsert} FINAL`);
            assert.equal(maxId?.['max'], String(total - 1));
            process.stderr.write(
              `# clickhouse kill test: ${total} produced, ${appendStats.rows - total} duplicates in append mode, ${upsertRaw.rows - total} replaced rows before FINAL in upsert mode, caught up ${caughtUpSeconds.toFixed(1)} s after the last restart\n`,
            );
          }),
        );
      } finally {
        await producer.stop();
      }
    });

    void it('ClickHouse restarts mid-stream: the worker retries by itself and loses nothing', async () => {
      const topic = uniqueTopic('h3-ch-restart');
      const table = uniqueTable('h3_ch_restart');
      tables.push(table);
      await createTopic(topic, 2);
      await createRowTable(table, 'MergeTree');
      const producer = new SteadyProducer([topic], 200, 100);
      await producer.start();
      try {
        await withWorker(flowSpec(topic, table), uniqueFlow('h3-ch-restart'), async (start) => {
          const worker = start();
          await orFailWith(worker, waitFor(async () => (await rowStats(table)).rows > 500, { timeoutMs: 30_000, intervalMs: 200, what: 'rows before the ClickHouse restart' }));
          const restart = run(join(services.servicesDir, 'clickhouse.sh'), ['restart'], { timeout: 90_000 });
          try {
            await restart;
          } finally {
            // Whatever happened, ClickHouse must be back for everyone else.
            await waitFor(() => clickhouseAvailable().catch(() => false), { timeoutMs: 60_000, intervalMs: 500, what: 'ClickHouse back after the restart' });
          }
          await delay(2000);
          const total = await producer.stop();
          await orFailWith(worker, waitForAllIds(table, total, 60_000, 'every id after the ClickHouse restart'));
          assert.ok(worker.running, 'the worker is still running (no human restart needed)');
          assert.ok(
            worker.lines.some((line) => /retrying|unreachable|ECONNREFUSED|socket hang up/i.test(line)),
            `the worker saw the outage (else nothing was tested):\n${worker.lines.slice(-20).join('\n')}`,
          );
          const stats = await rowStats(table);
          assert.equal(stats.ids, total, 'no id lost');
          assert.ok(stats.rows - total <= IN_FLIGHT_PER_CRASH, `${stats.rows - total} duplicates after one ClickHouse restart`);
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
          process.stderr.write(`# clickhouse restart: ${total} produced, ${stats.rows - total} duplicates\n`);
        });
      } finally {
        await producer.stop();
      }
    });

    void it('a poison row among good ones goes to the error sink with its payload and reason; the good ones are written', async () => {
      const topic = uniqueTopic('h3-ch-poison');
      const table = uniqueTable('h3_ch_poison');
      tables.push(table);
      await createTopic(topic, 1);
      await createRowTable(table, 'MergeTree');
      // ClickHouse refuses a string that is no number in the Float64 column.
      const poison = JSON.stringify({ id: 1000, category: 'poison', value: 'not-a-number', ts: 1 });
      const good = Array.from({ length: 60 }, (_, i) => numberedRow(i));
      await produce(topic, [...good.slice(0, 25), { value: poison }, ...good.slice(25)]);
      const dir = await mkdtemp(join(tmpdir(), 'h3-ch-poison-'));
      const errorsPath = join(dir, 'errors.ndjson');
      try {
        await withWorker(flowSpec(topic, table, {}, { errors: { type: 'file', config: { path: errorsPath } } }), uniqueFlow('h3-ch-poison'), async (start) => {
          const worker = start();
          await orFailWith(worker, waitFor(async () => (await rowStats(table)).rows >= 60, { timeoutMs: 30_000, intervalMs: 200, what: 'the 60 good rows' }));
          await orFailWith(
            worker,
            waitFor(async () => (await readFile(errorsPath, 'utf8').catch(() => '')).trim() !== '', { timeoutMs: 15_000, intervalMs: 200, what: 'the error record' }),
          );
          await delay(500);
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
          if (worker.lines.some((line) => line.includes('"level":"error"') && line.includes('flow failed'))) failWith(worker, 'the flow failed');
        });
        assert.deepEqual(await rowStats(table), { rows: 60, ids: 60 }, 'exactly the good rows');
        const dead = await assertOnlyPoisonDeadLettered(errorsPath, poison, 25, /value|Float64|not-a-number|parse|number/i);
        process.stderr.write(`# clickhouse poison row reason: ${dead.error.message.slice(0, 300)}\n`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
