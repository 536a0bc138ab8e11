// PostgreSQL polling source against the real server: conformance, the composite cursor across equal
// change times, checkpoint resume, query mode, readBatchSize paging, tables without an id column,
// identifiers that need quoting, value conversion, a killed connection, and clear config errors.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Message, PluginContext } from '@dataflow/worker';
import { ConfigError, DataflowError, FileCheckpointStore, PostgresqlSource, parsePostgresqlSourceConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import type { TestContext } from '../context.js';
import { serviceSkipReason } from '../services.js';
import { sourceConformance } from '../source-conformance.js';
import { pgUrl, postgresAvailable, readFor, readMessages, services, sql, terminateFlowBackends, uniqueFlow, uniqueName, wrongPasswordUrl } from './postgresql-helpers.js';

const available = await postgresAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(15_000);

function source(config: Record<string, unknown>, ctx: PluginContext = testContext()): PostgresqlSource {
  return new PostgresqlSource(parsePostgresqlSourceConfig({ connectionString: pgUrl, pollInterval: 1, ...config }), ctx, { checkpointSaveIntervalMs: 10 });
}

async function withSource<T>(config: Record<string, unknown>, ctx: PluginContext, body: (s: PostgresqlSource) => Promise<T>): Promise<T> {
  const s = source(config, ctx);
  try {
    await s.open(timeout());
    return await body(s);
  } finally {
    await s.close();
  }
}

const ids = (messages: readonly Message[]): unknown[] => messages.map((m) => (m.value as Record<string, unknown>)['id']);
const drop = (table: string): Promise<unknown> => sql(`DROP TABLE IF EXISTS ${table}`);

/** A table (id, name, updated_at) with rows 1..n sharing one change time. */
async function itemsTable(n: number, at = '2024-05-01T10:00:00.000001Z'): Promise<string> {
  const table = uniqueName('pg_src');
  await sql(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name text, updated_at timestamptz NOT NULL)`);
  if (n > 0) await sql(`INSERT INTO ${table} SELECT g, 'item-' || g, $1::timestamptz FROM generate_series(1, $2::int) g`, [at, n]);
  return table;
}

if (!available) {
  void it('postgresql source integration', (t) => t.skip(serviceSkipReason('postgresql', new URL(services.pgUrl).host)));
} else {
  sourceConformance(
    'postgresql source',
    async () => {
      const table = await itemsTable(10);
      return { source: source({ table }), cleanup: async () => void (await drop(table)) };
    },
    {
      finite: false,
      expected: 10,
      timeoutMs: 10_000,
      compareOffsets: (a, b) => (JSON.parse(a) as [string, number])[1] - (JSON.parse(b) as [string, number])[1],
    },
  );

  void describe('postgresql source', () => {
    void it('pages through rows that share one change time without skipping or repeating any', async () => {
      const table = await itemsTable(5);
      try {
        await withSource({ table, readBatchSize: 2 }, testContext(), async (s) => {
          const first = await readMessages(s, 5);
          assert.deepEqual(ids(first.messages), [1, 2, 3, 4, 5]);
          assert.ok(first.batches.every((size) => size <= 2), `pages of at most readBatchSize rows: ${first.batches.join(',')}`);
          // Same change time, larger ids; a later time; and an update that moves row 2 forward.
          await sql(`INSERT INTO ${table} VALUES (6, 'item-6', '2024-05-01T10:00:00.000001Z'), (7, 'item-7', '2024-05-01T10:00:00.000001Z'), (8, 'item-8', '2024-05-01T10:00:00.000002Z')`);
          await sql(`UPDATE ${table} SET name = 'renamed', updated_at = '2024-05-02T00:00:00Z' WHERE id = 2`);
          const second = await readMessages(s, 4);
          assert.deepEqual(ids(second.messages), [6, 7, 8, 2]);
          assert.equal((second.messages[3]?.value as Record<string, unknown>)['name'], 'renamed');
          assert.deepEqual(await readFor(s, 1500), [], 'nothing is read twice');
        });
      } finally {
        await drop(table);
      }
    });

    void it('resumes after the acked checkpoint when reopened (file checkpoint store)', async () => {
      const table = await itemsTable(5);
      const dir = await mkdtemp(join(tmpdir(), 'df-pg-checkpoint-'));
      const flow = uniqueFlow('resume');
      const ctx: PluginContext = { ...testContext({ flow }), checkpoints: new FileCheckpointStore(dir, flow) };
      try {
        await withSource({ table }, ctx, async (s) => {
          const { messages } = await readMessages(s, 5);
          await s.ack(messages.slice(0, 3).map((m) => m.position));
        });
        assert.deepEqual(await ctx.checkpoints.load(), { lastReadChangeTime: '2024-05-01T10:00:00.000001Z', lastReadOrderByValue: 3 });
        await sql(`INSERT INTO ${table} VALUES (6, 'item-6', '2024-05-01T10:00:00.000001Z')`);
        await withSource({ table }, ctx, async (s) => {
          const { messages } = await readMessages(s, 3);
          assert.deepEqual(ids(messages), [4, 5, 6], 'rows 4 and 5 were read but not acked, so they come again; 1–3 do not');
          await s.ack(messages.map((m) => m.position));
        });
        assert.deepEqual(await ctx.checkpoints.load(), { lastReadChangeTime: '2024-05-01T10:00:00.000001Z', lastReadOrderByValue: 6 });
      } finally {
        await drop(table);
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('saves the checkpoint only from acks, never ahead of them', async () => {
      const table = await itemsTable(4);
      const ctx: TestContext = testContext();
      try {
        await withSource({ table }, ctx, async (s) => {
          await readMessages(s, 4);
          await new Promise((resolve) => setTimeout(resolve, 50));
          assert.equal(ctx.saved(), undefined, 'reading alone saves nothing');
        });
        assert.equal(ctx.saved(), undefined, 'close without acks saves nothing');
      } finally {
        await drop(table);
      }
    });

    void it('wraps a query as a subquery and reads it incrementally', async () => {
      const orders = uniqueName('pg_orders');
      const customers = uniqueName('pg_customers');
      await sql(`CREATE TABLE ${customers} (id int PRIMARY KEY, name text)`);
      await sql(`CREATE TABLE ${orders} (id int PRIMARY KEY, customer_id int, status text, updated_at timestamptz NOT NULL)`);
      await sql(`INSERT INTO ${customers} VALUES (1, 'ann'), (2, 'bob')`);
      await sql(`INSERT INTO ${orders} VALUES (1, 1, 'paid', '2024-01-01Z'), (2, 2, 'open', '2024-01-02Z'), (3, 2, 'paid', '2024-01-03Z')`);
      const query = `SELECT o.id, o.updated_at, c.name AS customer FROM ${orders} o JOIN ${customers} c ON c.id = o.customer_id WHERE o.status = 'paid'`;
      try {
        await withSource({ query }, testContext(), async (s) => {
          const first = await readMessages(s, 2);
          assert.deepEqual(
            first.messages.map((m) => m.value),
            [
              { id: 1, updated_at: '2024-01-01T00:00:00Z', customer: 'ann' },
              { id: 3, updated_at: '2024-01-03T00:00:00Z', customer: 'bob' },
            ],
          );
          assert.equal(first.messages[0]?.position.partition, 'query');
          await sql(`INSERT INTO ${orders} VALUES (4, 1, 'paid', '2024-01-04Z'), (5, 1, 'open', '2024-01-05Z')`);
          const second = await readMessages(s, 1);
          assert.deepEqual(ids(second.messages), [4]);
          assert.deepEqual(await readFor(s, 1500), []);
        });
      } finally {
        await drop(orders);
        await drop(customers);
      }
    });

    void it('polls again at once after a full page (readBatchSize) instead of waiting pollInterval', async () => {
      const table = await itemsTable(25);
      try {
        await withSource({ table, readBatchSize: 10, pollInterval: 30 }, testContext(), async (s) => {
          const started = performance.now();
          const { messages, batches } = await readMessages(s, 25, 10_000);
          assert.deepEqual(ids(messages), Array.from({ length: 25 }, (_, i) => i + 1));
          assert.deepEqual(batches, [10, 10, 5]);
          assert.ok(performance.now() - started < 5000, 'full pages are followed immediately');
        });
      } finally {
        await drop(table);
      }
    });

    void it('reads a table without an id column using the configured columns', async () => {
      const table = uniqueName('pg_noid');
      await sql(`CREATE TABLE ${table} (event_key text PRIMARY KEY, changed_at timestamptz NOT NULL, payload jsonb)`);
      await sql(`INSERT INTO ${table} VALUES ('b', '2024-01-01Z', '{"n":2}'), ('a', '2024-01-01Z', '{"n":1}'), ('c', '2024-01-02Z', null)`);
      try {
        await withSource({ table, changeTrackingColumn: 'changed_at', orderByColumn: 'event_key' }, testContext(), async (s) => {
          const { messages } = await readMessages(s, 3);
          assert.deepEqual(
            messages.map((m) => m.meta),
            [
              { table, id: 'a' },
              { table, id: 'b' },
              { table, id: 'c' },
            ],
          );
          assert.deepEqual(messages[0]?.value, { event_key: 'a', changed_at: '2024-01-01T00:00:00Z', payload: { n: 1 } });
          assert.deepEqual(messages[0]?.timestamp, new Date('2024-01-01T00:00:00Z'), 'the change time is the event time');
        });
      } finally {
        await drop(table);
      }
    });

    void it('quotes schema, table and column names that need it', async () => {
      const schema = `Mixed Case ${uniqueName('s')}`;
      await sql(`CREATE SCHEMA "${schema}"`);
      await sql(`CREATE TABLE "${schema}"."Order-Items" ("Order Id" int PRIMARY KEY, "Updated At" timestamptz NOT NULL, "select" text)`);
      await sql(`INSERT INTO "${schema}"."Order-Items" VALUES (2, '2024-01-01Z', 'x'), (1, '2024-01-01Z', 'y')`);
      try {
        const config = { table: `"${schema}"."Order-Items"`, changeTrackingColumn: 'Updated At', orderByColumn: 'Order Id' };
        await withSource(config, testContext(), async (s) => {
          const { messages } = await readMessages(s, 2);
          assert.deepEqual(
            messages.map((m) => m.value),
            [
              { 'Order Id': 1, 'Updated At': '2024-01-01T00:00:00Z', select: 'y' },
              { 'Order Id': 2, 'Updated At': '2024-01-01T00:00:00Z', select: 'x' },
            ],
          );
          assert.equal(messages[0]?.position.partition, `${schema}.Order-Items`);
        });
        // The unquoted spelling means the same (names are taken literally).
        await withSource({ ...config, table: `${schema}.Order-Items` }, testContext(), async (s) => {
          assert.equal((await readMessages(s, 2)).messages.length, 2);
        });
      } finally {
        await sql(`DROP SCHEMA "${schema}" CASCADE`);
      }
    });

    void it('converts column values to lossless JSON', async () => {
      const table = uniqueName('pg_types');
      await sql(`CREATE TABLE ${table} (id int8 PRIMARY KEY, updated_at timestamptz NOT NULL, big int8, amount numeric, doc jsonb, raw bytea,
                 day date, local timestamp, tags text[], ok boolean, ratio float8, span interval)`);
      await sql(`INSERT INTO ${table} VALUES (1, '2024-05-01 10:00:00.123456+02', 9223372036854775807, 12.3400, '{"a":[1,{"b":null}]}', '\\x00ff',
                 '2024-05-01', '2024-05-01 10:00:00.5', '{x,NULL,"y z"}', true, 0.5, '1 day 02:00:00')`);
      try {
        await withSource({ table }, testContext(), async (s) => {
          const { messages } = await readMessages(s, 1);
          assert.deepEqual(messages[0]?.value, {
            id: 1,
            updated_at: '2024-05-01T08:00:00.123456Z',
            big: '9223372036854775807',
            amount: '12.3400',
            doc: { a: [1, { b: null }] },
            raw: 'AP8=',
            day: '2024-05-01',
            local: '2024-05-01T10:00:00.5',
            tags: ['x', null, 'y z'],
            ok: true,
            ratio: 0.5,
            span: 'P1DT2H',
          });
        });
      } finally {
        await drop(table);
      }
    });

    void it('reconnects after its connection is killed and loses nothing', async () => {
      const table = await itemsTable(3);
      const flow = uniqueFlow('src-kill');
      try {
        await withSource({ table }, testContext({ flow }), async (s) => {
          const first = await readMessages(s, 3);
          assert.ok((await terminateFlowBackends(flow)) >= 1, 'the source has a backend to kill');
          await sql(`INSERT INTO ${table} VALUES (4, 'item-4', '2024-05-03Z'), (5, 'item-5', '2024-05-03Z')`);
          const second = await readMessages(s, 2);
          assert.deepEqual(ids([...first.messages, ...second.messages]), [1, 2, 3, 4, 5]);
          assert.deepEqual(await readFor(s, 1500), []);
        });
      } finally {
        await drop(table);
      }
    });

    void it('fails to open with a clear, non-retriable error on a wrong password', async () => {
      const s = new PostgresqlSource(parsePostgresqlSourceConfig({ connectionString: wrongPasswordUrl(), table: 'whatever' }), testContext());
      try {
        await assert.rejects(s.open(timeout()), (error: unknown) => {
          assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
          assert.equal(error.retriable, false);
          assert.match(error.message, /password authentication failed/);
          assert.ok(!error.message.includes('definitely-not-the-password'), 'the password is not in the message');
          return true;
        });
      } finally {
        await s.close();
      }
    });

    void it('names the missing column or table when opening', async () => {
      const table = await itemsTable(1);
      try {
        const noColumn = source({ table, changeTrackingColumn: 'modified' });
        await assert.rejects(noColumn.open(timeout()), (error: unknown) => error instanceof DataflowError && !error.retriable && /"modified"/.test(error.message));
        await noColumn.close();
        const noTable = source({ table: `${table}_missing` });
        await assert.rejects(noTable.open(timeout()), (error: unknown) => error instanceof ConfigError && /does not exist/.test(error.message));
        await noTable.close();
      } finally {
        await drop(table);
      }
    });
  });
}
