// PostgreSQL sink against the real server: conformance, COPY append with awkward values, upsert
// (always / ifNewer), soft delete, rawMode (plain and flattened), autoCreateTable inference,
// schema.table, poison rows isolated while the rest commits, a backend killed mid-batch, and clear
// configuration errors. Every table is unique to its test and dropped afterwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Payload, PluginContext } from '@dataflow/worker';
import { ConfigError, ConnectionError, DataflowError, PostgresqlSink, RecordError, parsePostgresqlSinkConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { makeMessage } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { sinkConformance } from '../sink-conformance.js';
import { waitFor } from '../wait-for.js';
import type { CapturedLog } from './postgresql-helpers.js';
import { capturingLogger, count, pgUrl, postgresAvailable, services, sql, terminateFlowBackends, uniqueFlow, uniqueName, withAdmin, wrongPasswordUrl } from './postgresql-helpers.js';

const available = await postgresAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(30_000);

function sink(table: string, extra: Record<string, unknown> = {}, ctx: PluginContext = testContext()): PostgresqlSink {
  return new PostgresqlSink(parsePostgresqlSinkConfig({ connectionString: pgUrl, table, ...extra }), ctx);
}

async function withSink<T>(table: string, extra: Record<string, unknown>, body: (s: PostgresqlSink) => Promise<T>, ctx?: PluginContext): Promise<T> {
  const s = sink(table, extra, ctx);
  try {
    await s.open(timeout());
    return await body(s);
  } finally {
    await s.close();
  }
}

function messages(payloads: readonly Payload[], firstOffset = 1, meta: Message['meta'] = {}): Message[] {
  return payloads.map((p, i) => makeMessage(p, { offset: firstOffset + i, meta }));
}

const drop = (table: string): Promise<unknown> => sql(`DROP TABLE IF EXISTS ${table}`);

/** Rows as JSON objects (jsonb preserves the JSON types) in `order`. */
async function rowsOf(table: string, order = 'id', columns = '*'): Promise<Array<Record<string, unknown>>> {
  const rows = await sql<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM (SELECT ${columns} FROM ${table} ORDER BY ${order}) t`);
  return rows.map((r) => r.row);
}

async function columnTypes(table: string, schema = 'public'): Promise<Record<string, string>> {
  const rows = await sql<{ column_name: string; data_type: string }>(
    'SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

if (!available) {
  void it('postgresql sink integration', (t) => t.skip(serviceSkipReason('postgresql', new URL(services.pgUrl).host)));
} else {
  for (const upsertMode of [false, true]) {
    sinkConformance(
      `postgresql sink (upsertMode: ${upsertMode})`,
      async () => {
        const table = uniqueName('pg_conf');
        await sql(`CREATE TABLE ${table} (seq bigserial, id bigint PRIMARY KEY, name text)`);
        return {
          sink: sink(table, { upsertMode }),
          written: async () => (await sql<{ v: unknown }>(`SELECT jsonb_build_object('id', id, 'name', name) AS v FROM ${table} ORDER BY seq`)).map((r) => r.v),
          cleanup: async () => void (await drop(table)),
        };
      },
      { rejectable: { id: 'not-a-number', name: 'bad' }, timeoutMs: 15_000 },
    );
  }

  void describe('postgresql sink', () => {
    void it('appends with COPY, keeping tabs, newlines, backslashes, unicode, nulls and nested JSON intact', async () => {
      const table = uniqueName('pg_copy');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, txt text, doc jsonb, tags text[], note text DEFAULT 'default note', seen timestamptz)`);
      const payloads = [
        { id: 1, txt: 'tab\there', doc: { nested: { list: [1, 'two', null, { deep: true }] } }, tags: ['a', 'b c', 'quote"d'] },
        { id: 2, txt: 'line1\nline2\r\nline3', doc: ['array', 'at', 'top'], seen: '2024-05-01T10:00:00.123456Z' },
        { id: 3, txt: 'back\\slash \\N \\. \\t', doc: 'a json string', note: null },
        { id: 4, txt: 'ünïcødé 日本語 😀', doc: { text: 'tab\tand\nnewline\\' }, tags: [] },
        { id: 5, txt: null, doc: null },
      ];
      try {
        await withSink(table, {}, async (s) => {
          assert.deepEqual((await s.write(messages(payloads), timeout())).failed, []);
        });
        const rows = await rowsOf(table);
        assert.deepEqual(rows, [
          { ...payloads[0], note: 'default note', seen: null },
          { ...payloads[1], tags: null, note: 'default note', seen: '2024-05-01T10:00:00.123456+00:00' },
          { ...payloads[2], tags: null, seen: null },
          { ...payloads[3], note: 'default note', seen: null },
          { ...payloads[4], tags: null, note: 'default note', seen: null },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('ignores payload fields that are not columns, warning once per field', async () => {
      const table = uniqueName('pg_unknown');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
      const lines: CapturedLog[] = [];
      try {
        await withSink(
          table,
          {},
          async (s) => {
            const result = await s.write(messages([{ id: 1, name: 'a', extra: 1 }, { id: 2, name: 'b', extra: 2 }, { nothing: 'known' }]), timeout());
            assert.deepEqual(result.failed.map((f) => f.index), [2], 'a payload with no known column is a record error');
            assert.match(result.failed[0]?.error.message ?? '', /no field that is a column/);
          },
          testContext({ log: capturingLogger(lines) }),
        );
        assert.deepEqual(await rowsOf(table), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
        assert.equal(lines.filter((l) => l.level === 'warn' && (l.obj as { field?: string }).field === 'extra').length, 1);
      } finally {
        await drop(table);
      }
    });

    void it('upserts on the conflict key (always), later messages in a batch winning', async () => {
      const table = uniqueName('pg_upsert');
      await sql(`CREATE TABLE ${table} (tenant text, id int, name text, qty int, PRIMARY KEY (tenant, id))`);
      try {
        await withSink(table, { upsertMode: true, conflictKey: 'tenant, id' }, async (s) => {
          await s.write(messages([{ tenant: 'a', id: 1, name: 'one', qty: 1 }, { tenant: 'b', id: 1, name: 'uno', qty: 1 }]), timeout());
          const result = await s.write(
            messages([
              { tenant: 'a', id: 1, name: 'one v2', qty: 2 },
              { tenant: 'a', id: 2, name: 'two', qty: 1 },
              { tenant: 'a', id: 1, name: 'one v3' },
            ]),
            timeout(),
          );
          assert.deepEqual(result.failed, []);
        });
        assert.deepEqual(await rowsOf(table, 'tenant, id'), [
          { tenant: 'a', id: 1, name: 'one v3', qty: 2 },
          { tenant: 'a', id: 2, name: 'two', qty: 1 },
          { tenant: 'b', id: 1, name: 'uno', qty: 1 },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('upserts only newer versions with upsertStrategy ifNewer', async () => {
      const table = uniqueName('pg_ifnewer');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text, version int)`);
      const config = { upsertMode: true, upsertStrategy: 'ifNewer', upsertVersionColumn: 'version' };
      try {
        await withSink(table, config, async (s) => {
          await s.write(messages([{ id: 1, name: 'v5', version: 5 }, { id: 2, name: 'v1', version: 1 }]), timeout());
          await s.write(
            messages([
              { id: 1, name: 'v4 (older)', version: 4 },
              { id: 2, name: 'v3', version: 3 },
              { id: 2, name: 'v2 (older, same batch)', version: 2 },
              { id: 3, name: 'new', version: 1 },
            ]),
            timeout(),
          );
        });
        assert.deepEqual(await rowsOf(table), [
          { id: 1, name: 'v5', version: 5 },
          { id: 2, name: 'v3', version: 3 },
          { id: 3, name: 'new', version: 1 },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('soft-deletes rows of delete messages instead of writing them, in batch order', async () => {
      const table = uniqueName('pg_softdel');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text, deleted_at timestamptz)`);
      const del = (id: number, offset: number): Message => makeMessage({ id }, { offset, meta: { operation: 'delete' } });
      try {
        await withSink(table, { upsertMode: true, softDeleteColumn: 'deleted_at' }, async (s) => {
          const batch = [...messages([{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }]), del(2, 4), del(99, 5), makeMessage({ id: 3, name: 'c2' }, { offset: 6 })];
          assert.deepEqual((await s.write(batch, timeout())).failed, []);
          const noKey = await s.write([makeMessage({ name: 'no id' }, { offset: 7, meta: { operation: 'delete' } })], timeout());
          assert.match(noKey.failed[0]?.error.message ?? '', /no value for conflictKey column "id"/);
        });
        const rows = await sql<{ id: number; name: string; deleted: boolean }>(`SELECT id, name, deleted_at IS NOT NULL AS deleted FROM ${table} ORDER BY id`);
        assert.deepEqual(rows, [
          { id: 1, name: 'a', deleted: false },
          { id: 2, name: 'b', deleted: true },
          { id: 3, name: 'c2', deleted: false },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('stores whole messages in rawMode, creating the table at open', async () => {
      const table = uniqueName('pg_raw');
      try {
        await withSink(table, { rawMode: true, autoCreateTable: true }, async (s) => {
          assert.deepEqual(await columnTypes(table), {
            id: 'bigint',
            data: 'jsonb',
            _metadata: 'jsonb',
            created_at: 'timestamp with time zone',
            updated_at: 'timestamp with time zone',
            deleted_at: 'timestamp with time zone',
          });
          const batch = [
            makeMessage({ user: 'u1', n: 1 }, { offset: 1, meta: { topic: 'in', partition: 0, offset: 1 } }),
            makeMessage({ value: { user: 'u2' }, _metadata: { key: 'user-2', offset: 100 } }, { offset: 2, meta: { topic: 'ignored' } }),
            makeMessage([1, 'not an object'], { offset: 3 }),
            makeMessage(new Uint8Array([0xff, 0xfe]), { offset: 4 }),
          ];
          const result = await s.write(batch, timeout());
          assert.deepEqual(result.failed.map((f) => f.index), [3], 'only the non-JSON payload is refused');
        });
        assert.deepEqual(await rowsOf(table, 'id', 'data, _metadata'), [
          { data: { user: 'u1', n: 1 }, _metadata: { topic: 'in', partition: 0, offset: 1 } },
          { data: { user: 'u2' }, _metadata: { key: 'user-2', offset: 100 } },
          { data: [1, 'not an object'], _metadata: {} },
        ]);
      } finally {
        await drop(table);
      }
    });

    void it('flattens metadata into prefixed columns created from the first batch', async () => {
      const table = uniqueName('pg_rawflat');
      const config = { rawMode: true, autoCreateTable: true, flattenMetadataColumns: true, flattenMetadataColumnsPrefix: 'meta_' };
      const lines: CapturedLog[] = [];
      try {
        await withSink(
          table,
          config,
          async (s) => {
            await s.write([makeMessage({ a: 1 }, { meta: { topic: 't', partition: 3, timestamp: 1714557600000 } })], timeout());
            await s.write([makeMessage({ a: 2 }, { offset: 2, meta: { topic: 't', partition: 4, timestamp: 1714557600000, later: 'x' } })], timeout());
          },
          testContext({ log: capturingLogger(lines) }),
        );
        const types = await columnTypes(table);
        assert.equal(types['meta_topic'], 'text');
        assert.equal(types['meta_partition'], 'bigint');
        assert.equal(types['meta_timestamp'], 'timestamp with time zone');
        assert.equal(types['_metadata'], undefined);
        assert.deepEqual(await rowsOf(table, 'id', 'data, meta_topic, meta_partition, meta_timestamp'), [
          { data: { a: 1 }, meta_topic: 't', meta_partition: 3, meta_timestamp: '2024-05-01T10:00:00+00:00' },
          { data: { a: 2 }, meta_topic: 't', meta_partition: 4, meta_timestamp: '2024-05-01T10:00:00+00:00' },
        ]);
        assert.ok(lines.some((l) => l.level === 'warn' && (l.obj as { field?: string }).field === 'meta_later'), 'a later metadata key is skipped with a warning');
      } finally {
        await drop(table);
      }
    });

    void it('creates the table from the first batch with inferred types (autoCreateTable)', async () => {
      const table = uniqueName('pg_auto');
      try {
        await withSink(table, { autoCreateTable: true }, async (s) => {
          const batch = messages([
            { id: 1, price: 9.99, active: true, name: 'a', at: '2024-05-01T10:00:00Z', attrs: { color: 'red' }, tags: ['x'], maybe: null },
            { id: 2, price: 10, active: false, name: 'b', at: '2024-05-01T11:00:00+02:00', attrs: {}, tags: [], maybe: null },
          ]);
          assert.deepEqual((await s.write(batch, timeout())).failed, []);
          // A value that does not fit the inferred type is a record error, the rest commits.
          const later = await s.write(messages([{ id: 3, price: 'cheap' }, { id: 4, price: 1.5 }], 3), timeout());
          assert.deepEqual(later.failed.map((f) => f.index), [0]);
        });
        assert.deepEqual(await columnTypes(table), {
          id: 'bigint',
          price: 'double precision',
          active: 'boolean',
          name: 'text',
          at: 'timestamp with time zone',
          attrs: 'jsonb',
          tags: 'jsonb',
          maybe: 'text',
        });
        assert.equal(await count(table), 3);
      } finally {
        await drop(table);
      }
    });

    void it('creates an upsert table with the conflict key as primary key in its own schema', async () => {
      const schema = uniqueName('df_schema');
      const table = `${schema}.items`;
      try {
        await withSink(table, { autoCreateTable: true, upsertMode: true, conflictKey: 'sku' }, async (s) => {
          await s.write(messages([{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }]), timeout());
          await s.write(messages([{ sku: 'A', qty: 5 }], 3), timeout());
        });
        const pk = await sql<{ column: string }>(
          `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
           WHERE i.indrelid = to_regclass($1) AND i.indisprimary`,
          [`"${schema}"."items"`],
        );
        assert.deepEqual(pk, [{ column: 'sku' }]);
        assert.deepEqual(await rowsOf(`"${schema}"."items"`, 'sku'), [{ sku: 'A', qty: 5 }, { sku: 'B', qty: 2 }]);
      } finally {
        await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
    });

    void it('writes to schema.table names that need quoting', async () => {
      const schema = `Sink Schema ${uniqueName('q')}`;
      await sql(`CREATE SCHEMA "${schema}"`);
      await sql(`CREATE TABLE "${schema}"."Order-Items" ("Order Id" int PRIMARY KEY, "select" text)`);
      try {
        await withSink(`${schema}.Order-Items`, { upsertMode: true, conflictKey: 'Order Id' }, async (s) => {
          assert.deepEqual((await s.write(messages([{ 'Order Id': 1, select: 'x' }, { 'Order Id': 1, select: 'y' }]), timeout())).failed, []);
        });
        assert.deepEqual(await rowsOf(`"${schema}"."Order-Items"`, '"Order Id"'), [{ 'Order Id': 1, select: 'y' }]);
      } finally {
        await sql(`DROP SCHEMA "${schema}" CASCADE`);
      }
    });

    for (const upsertMode of [false, true]) {
      void it(`isolates poison rows and commits the rest (upsertMode: ${upsertMode})`, async () => {
        const table = uniqueName('pg_poison');
        await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text NOT NULL, code varchar(5), qty integer)`);
        const payloads: Payload[] = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `n${i + 1}`, code: 'ok', qty: i }));
        payloads[3] = { id: 4, name: null, code: 'ok', qty: 1 };
        payloads[17] = { id: 18, name: 'n18', code: 'too-long', qty: 1 };
        payloads[18] = { id: 19, name: 'n19', code: 'ok', qty: 'many' };
        payloads[39] = [40];
        try {
          await withSink(table, { upsertMode }, async (s) => {
            const result = await s.write(messages(payloads), timeout());
            assert.deepEqual(result.failed.map((f) => f.index), [3, 17, 18, 39]);
            for (const failure of result.failed) {
              assert.ok(failure.error instanceof RecordError, 'record errors');
              assert.equal(failure.error.retriable, false);
            }
            const reasons = result.failed.map((f) => f.error.message);
            assert.match(reasons[0] ?? '', /23502/);
            assert.match(reasons[1] ?? '', /22001/);
            assert.match(reasons[2] ?? '', /22P02/);
            assert.match(reasons[3] ?? '', /not a JSON object/);
          });
          assert.equal(await count(table), 36);
          const stored = await sql<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`);
          assert.deepEqual(
            stored.map((r) => r.id),
            Array.from({ length: 40 }, (_, i) => i + 1).filter((id) => ![4, 18, 19, 40].includes(id)),
          );
        } finally {
          await drop(table);
        }
      });
    }

    void it('rejects a duplicate key in append mode as a record error instead of dropping it', async () => {
      const table = uniqueName('pg_dup');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
      try {
        await withSink(table, {}, async (s) => {
          await s.write(messages([{ id: 1, name: 'first' }]), timeout());
          const result = await s.write(messages([{ id: 2, name: 'two' }, { id: 1, name: 'again' }], 2), timeout());
          assert.deepEqual(result.failed.map((f) => f.index), [1]);
          assert.match(result.failed[0]?.error.message ?? '', /23505/);
        });
        assert.deepEqual(await rowsOf(table), [{ id: 1, name: 'first' }, { id: 2, name: 'two' }]);
      } finally {
        await drop(table);
      }
    });

    void it('throws a retriable error when its backend is killed mid-batch, and the retry writes each row once', async () => {
      const table = uniqueName('pg_kill');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
      const flow = uniqueFlow('sink-kill');
      const batch = messages(Array.from({ length: 500 }, (_, i) => ({ id: i + 1, name: `n${i + 1}` })));
      try {
        await withSink(
          table,
          {},
          async (s) => {
            // Hold a lock so the sink's COPY waits inside its transaction, then kill its backend.
            const pending = await withAdmin(async (admin) => {
              await admin.query('BEGIN');
              await admin.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
              const write = s.write(batch, timeout()).then(
                () => undefined,
                (error: unknown) => error,
              );
              await waitFor(
                async () =>
                  (
                    await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [
                      `dataflow-${flow.namespace}-${flow.name}`,
                    ])
                  )[0]?.n === 1,
                { timeoutMs: 10_000, intervalMs: 50, what: 'the sink waiting for the lock' },
              );
              assert.equal(await terminateFlowBackends(flow), 1);
              await admin.query('ROLLBACK');
              return write;
            });
            const error = await pending;
            assert.ok(error instanceof ConnectionError, `a ConnectionError, got ${String(error)}`);
            assert.equal(error.retriable, true);
            assert.equal(await count(table), 0, 'the interrupted batch left nothing behind');
            const retry = await s.write(batch, timeout());
            assert.deepEqual(retry.failed, []);
          },
          testContext({ flow }),
        );
        const [stats] = await sql<{ n: number; distinct: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct FROM ${table}`);
        assert.deepEqual(stats, { n: 500, distinct: 500 });
      } finally {
        await drop(table);
      }
    });

    void it('reconnects by itself when its idle connection was killed', async () => {
      const table = uniqueName('pg_idle');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
      const flow = uniqueFlow('sink-idle');
      try {
        await withSink(
          table,
          {},
          async (s) => {
            await s.write(messages([{ id: 1 }]), timeout());
            assert.equal(await terminateFlowBackends(flow), 1);
            let result;
            for (let attempt = 0; ; attempt++) {
              try {
                result = await s.write(messages([{ id: 2 }], 2), timeout());
                break;
              } catch (error) {
                assert.ok(error instanceof DataflowError && error.retriable && attempt < 3, `only retriable errors, got ${String(error)}`);
              }
            }
            assert.deepEqual(result.failed, []);
          },
          testContext({ flow }),
        );
        assert.equal(await count(table), 2);
      } finally {
        await drop(table);
      }
    });

    void it('reads the connection string and the table from Secrets', async () => {
      const table = uniqueName('pg_secret');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
      const ctx = testContext({ secrets: { 'pg/url': `${pgUrl}\n`, 'pg/table': table } });
      const config = { connectionStringSecretRef: { name: 'pg', key: 'url' }, tableSecretRef: { name: 'pg', key: 'table' } };
      const s = new PostgresqlSink(parsePostgresqlSinkConfig(config), ctx);
      try {
        await s.open(timeout());
        assert.deepEqual((await s.write(messages([{ id: 1 }]), timeout())).failed, []);
        assert.equal(await count(table), 1);
        const missing = new PostgresqlSink(parsePostgresqlSinkConfig({ ...config, tableSecretRef: { name: 'pg', key: 'nope' } }), ctx);
        await assert.rejects(missing.open(timeout()), (error: unknown) => error instanceof ConfigError && /tableSecretRef pg\/nope cannot be read/.test(error.message));
        await missing.close();
      } finally {
        await s.close();
        await drop(table);
      }
    });

    void it('fails to open with a clear, non-retriable error on a wrong password', async () => {
      const s = new PostgresqlSink(parsePostgresqlSinkConfig({ connectionString: wrongPasswordUrl(), table: 'whatever' }), testContext());
      try {
        await assert.rejects(s.open(timeout()), (error: unknown) => {
          assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
          assert.equal(error.retriable, false);
          assert.match(error.message, /password authentication failed for user "postgres".*check the user and password/);
          assert.ok(!error.message.includes('definitely-not-the-password'));
          return true;
        });
      } finally {
        await s.close();
      }
    });

    void it('refuses to open on a missing table or a configured column the table lacks', async () => {
      const table = uniqueName('pg_cfg');
      await sql(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
      try {
        const missing = sink(`${table}_missing`);
        await assert.rejects(missing.open(timeout()), (error: unknown) => error instanceof ConfigError && /does not exist.*autoCreateTable/.test(error.message));
        await missing.close();
        const noVersion = sink(table, { upsertMode: true, upsertStrategy: 'ifNewer', upsertVersionColumn: 'version' });
        await assert.rejects(noVersion.open(timeout()), (error: unknown) => error instanceof ConfigError && /no column "version"/.test(error.message));
        await noVersion.close();
        const raw = sink(table, { rawMode: true });
        await assert.rejects(raw.open(timeout()), (error: unknown) => error instanceof ConfigError && /no column "data"/.test(error.message));
        await raw.close();
      } finally {
        await drop(table);
      }
    });
  });
}
