// Kafka ↔ Trino through the REAL worker process under failures: SIGKILL and restart of the worker
// 5 times (append into the memory catalog; upsert with MERGE into the pg catalog, whose tables
// live in the test PostgreSQL), a Trino restart mid-stream, a source query that fails until its
// data is fixed, and a poison row among good ones. Row counts prove nothing was lost or
// duplicated. Token failures are in trino-token-failures.test.ts.
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
import { IN_FLIGHT_PER_CRASH, SteadyProducer, assertOnlyPoisonDeadLettered, exitWithin, failWith, numberedRow, orFailWith, withWorker } from './failure-harness.js';
import { createTopic, kafkaAvailable, produce, uniqueName as uniqueTopic } from './kafka-helpers.js';
import { pgUrl, postgresAvailable, sql, uniqueFlow } from './postgresql-helpers.js';
import { TrinoTestTables, flowSpec, rowStats, sinkConfig, waitForAllIds } from './trino-failure-helpers.js';
import type { Where } from './trino-failure-helpers.js';
import { services, trinoAvailable, trinoJwtAvailable, uniqueTable } from './trino-helpers.js';
import type { WorkerProcess } from './worker-process.js';

const run = promisify(execFile);
const available = (await kafkaAvailable()) && (await postgresAvailable()) && (await trinoAvailable()) && (await trinoJwtAvailable());

if (!available) {
  void it('kafka ↔ trino failure tests', (t) => t.skip(serviceSkipReason('kafka, postgresql, trino, keycloak', `${services.kafkaBrokers}, ${services.trinoUrl}, ${services.keycloakUrl}`)));
} else {
  void describe('kafka ↔ trino through the worker process, under failures', { timeout: 230_000 }, () => {
    const tables = new TrinoTestTables();
    after(() => tables.drop());
    const memoryTable = (prefix: string): Promise<Where> => tables.memory(prefix);
    const pgTable = (prefix: string, primaryKey: boolean): Promise<Where> => tables.pg(prefix, primaryKey);

    void it('SIGKILL and restart 5 times while producing: no loss, bounded duplicates (append), none (MERGE upsert)', async () => {
      const topic = uniqueTopic('h3-trino-kill');
      await createTopic(topic, 4);
      const append = await memoryTable('h3_kill_append');
      const upsert = await pgTable('h3_kill_upsert', true);
      const producer = new SteadyProducer([topic], 25, 250);
      await producer.start();
      const kills = 5;
      try {
        await withWorker(flowSpec(topic, sinkConfig(append)), uniqueFlow('h3-trino-kill-append'), (startAppend) =>
          withWorker(flowSpec(topic, sinkConfig(upsert, { upsertMode: true, conflictKey: 'id' })), uniqueFlow('h3-trino-kill-upsert'), async (startUpsert) => {
            let workers = [startAppend(), startUpsert()];
            for (let round = 1; round <= kills; round++) {
              const before = await Promise.all([rowStats(append), rowStats(upsert)]);
              let now = before;
              const writing = waitFor(
                async () => {
                  now = await Promise.all([rowStats(append), rowStats(upsert)]);
                  return now[0].rows > before[0].rows && now[1].rows > before[1].rows;
                },
                { timeoutMs: 45_000, intervalMs: 300, what: `both workers writing before kill ${round}` },
              ).catch((error: unknown) => {
                throw new Error(`${(error as Error).message}: append ${before[0].rows} → ${now[0].rows} rows, upsert ${before[1].rows} → ${now[1].rows} rows`);
              });
              await orFailWith(workers[now[0].rows > before[0].rows ? 1 : 0] as WorkerProcess, writing);
              await delay(200 + Math.floor(Math.random() * 400));
              for (const worker of workers) await worker.stop('SIGKILL');
              workers = [startAppend(), startUpsert()];
            }
            const restartedAt = performance.now();
            const total = await producer.stop();
            for (const [i, where] of [append, upsert].entries()) {
              await orFailWith(workers[i] as WorkerProcess, waitForAllIds(where, total, 60_000, `${where.table}: every produced id after the last restart`));
            }
            const caughtUpSeconds = (performance.now() - restartedAt) / 1000;
            for (const worker of workers) assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null }, 'a graceful stop after the crashes exits 0');
            const appendStats = await rowStats(append);
            assert.equal(appendStats.ids, total, 'append: no id lost');
            assert.ok(appendStats.rows - total <= kills * IN_FLIGHT_PER_CRASH, `append: ${appendStats.rows - total} duplicates exceed ${kills} crashes × ${IN_FLIGHT_PER_CRASH} in flight`);
            assert.deepEqual(await rowStats(upsert), { rows: total, ids: total }, 'upsert (MERGE through Trino): every id exactly once');
            process.stderr.write(`# trino kill test: ${total} produced, ${appendStats.rows - total} duplicates in append mode, caught up ${caughtUpSeconds.toFixed(1)} s after the last restart\n`);
          }),
        );
      } finally {
        await producer.stop();
      }
    });

    void it('a poison row among good ones goes to the error sink with its payload and reason; the good ones are written', async () => {
      const topic = uniqueTopic('h3-trino-poison');
      await createTopic(topic, 1);
      const where = await memoryTable('h3_trino_poison');
      // Never coerced to 0 or NULL: a string that is no number cannot go into the double column.
      const poison = JSON.stringify({ id: 1000, category: 'poison', value: 'not-a-number', ts: 1 });
      await produce(topic, [...Array.from({ length: 30 }, (_, i) => numberedRow(i)), { value: poison }, ...Array.from({ length: 30 }, (_, i) => numberedRow(30 + i))]);
      const dir = await mkdtemp(join(tmpdir(), 'h3-trino-poison-'));
      const errorsPath = join(dir, 'errors.ndjson');
      try {
        await withWorker(flowSpec(topic, sinkConfig(where), { errors: { type: 'file', config: { path: errorsPath } } }), uniqueFlow('h3-trino-poison'), async (start) => {
          const worker = start();
          await orFailWith(worker, waitFor(async () => (await rowStats(where)).rows >= 60, { timeoutMs: 30_000, intervalMs: 250, what: 'the 60 good rows' }));
          await orFailWith(worker, waitFor(async () => (await readFile(errorsPath, 'utf8').catch(() => '')).trim() !== '', { timeoutMs: 15_000, intervalMs: 200, what: 'the error record' }));
          await delay(500);
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
        });
        assert.deepEqual(await rowStats(where), { rows: 60, ids: 60 }, 'exactly the good rows');
        const dead = await assertOnlyPoisonDeadLettered(errorsPath, poison, 30, /value/);
        process.stderr.write(`# trino poison row reason: ${dead.error.message.slice(0, 300)}\n`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('a source query that fails: a clear error naming the cause, nothing skipped once the data is fixed', async () => {
      // The source table lives in PostgreSQL and is read through Trino's pg catalog, so the bad row
      // can be fixed behind Trino's back.
      const source = uniqueTable('h3_trino_qsrc').toLowerCase();
      const target = uniqueTable('h3_trino_qdst').toLowerCase();
      tables.pgNames.push(source, target);
      await sql(`CREATE TABLE ${source} (id bigint PRIMARY KEY, divisor integer)`);
      await sql(`CREATE TABLE ${target} (id bigint PRIMARY KEY, share double precision)`);
      await sql(`INSERT INTO ${source} SELECT g, 1 + g % 4 FROM generate_series(0, 99) g`);
      const spec: DataFlowSpec = {
        source: {
          type: 'trino',
          config: { serverURL: services.trinoUrl, user: 'ci', catalog: 'pg', schema: 'public', table: source, query: `SELECT id, 100.0 / divisor AS share FROM ${source}`, orderByColumn: 'id', pollInterval: 1 },
        },
        sink: { type: 'postgresql', config: { connectionString: pgUrl, table: target, upsertMode: true, conflictKey: 'id', batchFlushIntervalSeconds: 0.2 } },
      };
      const targetCount = async (): Promise<number> => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${target}`))[0]?.n ?? -1;
      await withWorker(spec, uniqueFlow('h3-trino-query'), async (start) => {
        const first = start();
        await orFailWith(first, waitFor(async () => (await targetCount()) === 100, { timeoutMs: 30_000, intervalMs: 250, what: 'the first 100 rows' }));
        // Row 100 makes every later poll fail (division by zero); rows after it wait behind it.
        await sql(`INSERT INTO ${source} SELECT g, CASE WHEN g = 100 THEN 0 ELSE 1 END FROM generate_series(100, 199) g`);
        const exit = await exitWithin(first, 8000);
        const failures = first.lines.filter((line) => /division by zero/i.test(line));
        if (failures.length === 0) failWith(first, 'the log does not name the failing query');
        if (exit === undefined) {
          // A product that retries a failing query must back off.
          assert.ok(failures.length <= 12, `${failures.length} failures logged in 8 s is a hot loop`);
        } else {
          // The product treats a query Trino refuses for its content as permanent: exit 1 with the reason.
          assert.equal(exit.code, 1, 'a failed flow exits 1');
          assert.ok(failures.some((line) => line.includes('"level":"error"') && line.includes('flow failed')), 'the reason is logged as the failure of the flow');
        }
        assert.equal(await targetCount(), 100, 'nothing after the bad row is read while the query fails (no row skipped)');
        await sql(`UPDATE ${source} SET divisor = 5 WHERE id = 100`);
        // Retrying: it heals by itself; stopped: a restart (the pod's restart policy) resumes from the checkpoint.
        const worker = exit === undefined ? first : start();
        await orFailWith(worker, waitFor(async () => (await targetCount()) === 200, { timeoutMs: 30_000, intervalMs: 250, what: 'all 200 rows once the data is fixed' }));
        assert.deepEqual(await sql(`SELECT share FROM ${target} WHERE id IN (99, 100, 101) ORDER BY id`), [{ share: 25 }, { share: 20 }, { share: 100 }]);
        assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
        process.stderr.write(`# trino query failure: ${exit === undefined ? 'retried' : `worker exited ${String(exit.code)}`}; first log line: ${(failures[0] ?? '').slice(0, 400)}\n`);
      });
    });

    void it('Trino restarts mid-stream: the worker retries by itself and loses nothing', async () => {
      const topic = uniqueTopic('h3-trino-restart');
      await createTopic(topic, 2);
      // The memory catalog forgets its tables on restart: write into the pg catalog.
      const where = await pgTable('h3_trino_restart', false);
      const producer = new SteadyProducer([topic], 25, 250);
      await producer.start();
      try {
        await withWorker(flowSpec(topic, sinkConfig(where)), uniqueFlow('h3-trino-restart'), async (start) => {
          const worker = start();
          await orFailWith(worker, waitFor(async () => (await rowStats(where)).rows > 300, { timeoutMs: 30_000, intervalMs: 200, what: 'rows before the Trino restart' }));
          const restartedAt = performance.now();
          try {
            await run(join(services.servicesDir, 'trino.sh'), ['restart'], { timeout: 150_000 });
          } finally {
            // Whatever happened, Trino must be back for everyone else.
            await waitFor(() => trinoAvailable().catch(() => false), { timeoutMs: 120_000, intervalMs: 1000, what: 'Trino back after the restart' });
          }
          const restartSeconds = (performance.now() - restartedAt) / 1000;
          await delay(2000);
          const total = await producer.stop();
          await orFailWith(worker, waitForAllIds(where, total, 60_000, 'every id after the Trino restart'));
          assert.ok(worker.running, 'the worker is still running (no human restart needed)');
          assert.ok(worker.lines.some((line) => /retrying|unreachable|ECONNREFUSED|No nodes available|HTTP 50\d/i.test(line)), 'the worker saw the outage (else nothing was tested)');
          const stats = await rowStats(where);
          assert.equal(stats.ids, total, 'no id lost');
          assert.ok(stats.rows - total <= IN_FLIGHT_PER_CRASH, `${stats.rows - total} duplicates after one Trino restart`);
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
          process.stderr.write(`# trino restart: took ${restartSeconds.toFixed(0)} s; ${total} produced, ${stats.rows - total} duplicates\n`);
        });
      } finally {
        await producer.stop();
      }
    });
  });
}
