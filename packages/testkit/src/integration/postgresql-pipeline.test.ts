// PostgreSQL source → PostgreSQL sink through the real runtime (runFlow): rows are copied, acks
// advance the file checkpoint, a second run continues after it without re-copying, and a row the
// target rejects goes to the error sink while every other row commits.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyDefaults } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import { FileCheckpointStore, runFlow, silentLogger } from '@dataflow/worker';
import { serviceSkipReason } from '../services.js';
import { waitFor } from '../wait-for.js';
import { count, pgUrl, postgresAvailable, services, sql, uniqueFlow, uniqueName } from './postgresql-helpers.js';

const available = await postgresAvailable();

function copySpec(from: string, to: string, errorsPath?: string): DataFlowSpec {
  const spec: DataFlowSpec = {
    source: { type: 'postgresql', config: { connectionString: pgUrl, table: from, pollInterval: 1, readBatchSize: 70 } },
    sink: { type: 'postgresql', config: { connectionString: pgUrl, table: to, batchSize: 50, batchFlushIntervalSeconds: 0.2 } },
    ...(errorsPath === undefined ? {} : { errors: { type: 'file', config: { path: errorsPath } } }),
  };
  return applyDefaults(spec);
}

/** Runs the flow until `done` holds, then stops it gracefully. */
async function runUntil(spec: DataFlowSpec, flow: { namespace: string; name: string }, store: FileCheckpointStore, done: () => Promise<boolean>): Promise<void> {
  const controller = new AbortController();
  const running = runFlow({ spec, flow, log: silentLogger, checkpoints: store, processMetrics: false, signal: controller.signal });
  try {
    await waitFor(done, { timeoutMs: 20_000, intervalMs: 100, what: 'the flow to copy the rows' });
  } finally {
    controller.abort();
    await running;
  }
}

if (!available) {
  void it('postgresql pipeline integration', (t) => t.skip(serviceSkipReason('postgresql', new URL(services.pgUrl).host)));
} else {
  void describe('postgresql → postgresql through the runtime', () => {
    void it('copies rows, checkpoints after acks and resumes without copying twice', async () => {
      const from = uniqueName('pg_flow_src');
      const to = uniqueName('pg_flow_dst');
      const dir = await mkdtemp(join(tmpdir(), 'df-pg-flow-'));
      const flow = uniqueFlow('copy');
      const store = new FileCheckpointStore(dir, flow);
      await sql(`CREATE TABLE ${from} (id int PRIMARY KEY, name text, updated_at timestamptz NOT NULL)`);
      await sql(`CREATE TABLE ${to} (id int, name text, updated_at timestamptz)`);
      // Groups of ten rows share one change time.
      await sql(`INSERT INTO ${from} SELECT g, 'n' || g, '2024-01-01Z'::timestamptz + (g / 10) * interval '1 second' FROM generate_series(1, 200) g`);
      try {
        await runUntil(copySpec(from, to), flow, store, async () => (await count(to)) === 200);
        assert.deepEqual(await store.load(), { lastReadChangeTime: '2024-01-01T00:00:20Z', lastReadOrderByValue: 200 });

        await sql(`INSERT INTO ${from} SELECT g, 'n' || g, '2024-01-01T00:00:20Z' FROM generate_series(201, 250) g`);
        await runUntil(copySpec(from, to), flow, store, async () => (await count(to)) >= 250);
        const [stats] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${to}`);
        assert.deepEqual(stats, { n: 250, distinct: 250 }, 'the second run copied only the new rows');
      } finally {
        await sql(`DROP TABLE IF EXISTS ${from}, ${to}`);
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('dead-letters the rows the target rejects and commits the others', async () => {
      const from = uniqueName('pg_flow_src');
      const to = uniqueName('pg_flow_dst');
      const dir = await mkdtemp(join(tmpdir(), 'df-pg-flow-'));
      const errorsPath = join(dir, 'errors.ndjson');
      const flow = uniqueFlow('poison');
      const store = new FileCheckpointStore(dir, flow);
      await sql(`CREATE TABLE ${from} (id int PRIMARY KEY, code text, updated_at timestamptz NOT NULL)`);
      await sql(`CREATE TABLE ${to} (id int PRIMARY KEY, code varchar(3), updated_at timestamptz)`);
      await sql(`INSERT INTO ${from} SELECT g, CASE WHEN g IN (7, 55) THEN 'too long' ELSE 'ok' END, '2024-01-01Z' FROM generate_series(1, 100) g`);
      try {
        await runUntil(copySpec(from, to, errorsPath), flow, store, async () => (await count(to)) === 98);
        const errors = (await readFile(errorsPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        assert.equal(errors.length, 2);
        const text = JSON.stringify(errors);
        assert.match(text, /22001/);
        assert.match(text, /"id":7/);
        assert.match(text, /"id":55/);
        assert.deepEqual(await store.load(), { lastReadChangeTime: '2024-01-01T00:00:00Z', lastReadOrderByValue: 100 }, 'dead-lettered rows are committed too');
      } finally {
        await sql(`DROP TABLE IF EXISTS ${from}, ${to}`);
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
