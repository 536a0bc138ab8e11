// Trino sink against the real server (memory catalog): conformance, typed literals for every
// common column type, values the column cannot hold dead-lettered (never coerced), auto-created
// tables, rawMode, upsertMode refused where MERGE is missing, and a failing statement.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@dataflow/worker';
import { ConfigError, TrinoSink, parseTrinoSinkConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { makeMessage, makeMessages } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { sinkConformance } from '../sink-conformance.js';
import { memoryConfig, services, trinoAvailable, trinoRows, uniqueTable } from './trino-helpers.js';

const available = await trinoAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(60_000);

function sink(table: string, extra: Record<string, unknown> = {}): TrinoSink {
  return new TrinoSink(parseTrinoSinkConfig(memoryConfig(table, extra)), testContext());
}

async function withSink(table: string, extra: Record<string, unknown>, body: (s: TrinoSink) => Promise<void>): Promise<void> {
  const s = sink(table, extra);
  await s.open(timeout());
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

if (!available) {
  void it('trino sink integration', (t) => t.skip(serviceSkipReason('trino', services.trinoUrl)));
} else {
  sinkConformance(
    'trino sink',
    async () => {
      const table = uniqueTable('conf');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, name varchar)`);
      return {
        sink: sink(table),
        written: async () => (await trinoRows(`SELECT id, name FROM memory.default.${table} ORDER BY id`)).map(([id, name]) => ({ id, name })),
        cleanup: async () => void (await trinoRows(`DROP TABLE memory.default.${table}`)),
      };
    },
    { rejectable: { id: 'not-a-number', name: 'x' }, timeoutMs: 60_000 },
  );

  void describe('trino sink', () => {
    void it('writes typed literals: quotes, unicode, nulls, decimals, timestamps, dates, json', async () => {
      const table = uniqueTable('typed');
      await trinoRows(
        `CREATE TABLE memory.default.${table} (id bigint, name varchar, code varchar(5), amount decimal(10,2), ratio double, ` +
          `flag boolean, small integer, ts timestamp(6), tstz timestamp(3) with time zone, day date, doc json)`,
      );
      const values = [
        { id: 1, name: "O'Hara \"quoted\" \\ back", code: 'abc', amount: '12345678.90', ratio: 0.1, flag: true, small: -5, ts: '2024-02-29T23:59:59.123456Z', tstz: '2024-01-01T10:00:00.5+02:00', day: '2024-12-31', doc: { a: [1, 'x'] } },
        { id: 2, name: '日本語 ✓ émoji 🚀', code: 'ünï', amount: 3.5, ratio: 1e300, flag: false, small: 2147483647, ts: '2024-01-01 00:00:00', tstz: '2024-01-01T00:00:00Z', day: null, doc: 'text' },
        { id: 3, name: null, ts: 1_700_000_000 },
        { id: '9007199254740993', name: 'big id as string' },
      ];
      await withSink(table, {}, async (s) => {
        const result = await s.write(makeMessages(values), timeout());
        assert.deepEqual(result.failed, []);
      });
      const rows = await trinoRows(
        `SELECT id, name, code, CAST(amount AS varchar), ratio, flag, small, CAST(ts AS varchar), CAST(tstz AS varchar), CAST(day AS varchar), json_format(doc) FROM memory.default.${table} ORDER BY id`,
      );
      assert.deepEqual(rows[0], [1, "O'Hara \"quoted\" \\ back", 'abc', '12345678.90', 0.1, true, -5, '2024-02-29 23:59:59.123456', '2024-01-01 10:00:00.500 +02:00', '2024-12-31', '{"a":[1,"x"]}']);
      assert.deepEqual(rows[1], [2, '日本語 ✓ émoji 🚀', 'ünï', '3.50', 1e300, false, 2147483647, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000 UTC', null, '"text"']);
      assert.deepEqual(rows[2], [3, null, null, null, null, null, null, '2023-11-14 22:13:20.000000', null, null, null]);
      assert.equal(rows.length, 4);
      assert.equal(String(rows[3]?.[0]), '9007199254740992', 'JSON numbers lose precision when read back; the stored value is checked below');
      assert.deepEqual(await trinoRows(`SELECT count(*) FROM memory.default.${table} WHERE id = 9007199254740993`), [[1]]);
    });

    void it('dead-letters a value the column cannot hold, with the reason, and writes the rest unchanged', async () => {
      const table = uniqueTable('bad');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, qty integer, flag boolean, code varchar(3), amount decimal(5,2), ts timestamp(3))`);
      const values = [
        { id: 1, qty: 1 },
        { id: 2, qty: 'many' },
        { id: 3, qty: 2.5 },
        { id: 4, flag: 'yes' },
        { id: 5, code: 'toolong' },
        { id: 6, amount: 1.234 },
        { id: 7, qty: 3000000000 },
        { id: 8, ts: 'yesterday' },
        { id: 9, ts: '2024-01-01T00:00:00.123456' },
        { id: 10, qty: 10, flag: false, code: 'ok', amount: '999.99', ts: '2024-01-01T00:00:00.123' },
      ];
      await withSink(table, {}, async (s) => {
        const result = await s.write(makeMessages(values), timeout());
        assert.deepEqual(result.failed.map((f) => f.index), [1, 2, 3, 4, 5, 6, 7, 8]);
        for (const failure of result.failed) {
          assert.equal(failure.error.retriable, false);
          assert.match(failure.error.message, /record p0@\d+: column \w+: value .* cannot be stored in a/);
        }
        assert.match(result.failed[0]?.error.message ?? '', /column qty: value "many" cannot be stored in a integer column/);
        assert.match(result.failed[3]?.error.message ?? '', /7 characters would be truncated to 3/);
        assert.match(result.failed[4]?.error.message ?? '', /more than 2 decimal places/);
        const nonObject = await s.write([makeMessage('plain string'), makeMessage(new Uint8Array([0xff]))], timeout());
        assert.deepEqual(nonObject.failed.map((f) => f.index), [0, 1]);
        assert.match(nonObject.failed[0]?.error.message ?? '', /payload must be a JSON object/);
      });
      const rows = await trinoRows(`SELECT id, qty, flag, code, CAST(amount AS varchar), CAST(ts AS varchar) FROM memory.default.${table} ORDER BY id`);
      assert.deepEqual(rows, [
        [1, 1, null, null, null, null],
        [10, 10, false, 'ok', '999.99', '2024-01-01 00:00:00.123'],
      ]);
    });

    void it('isolates a record Trino itself rejects and writes the others', async () => {
      const table = uniqueTable('reject');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, addr ipaddress)`);
      await withSink(table, {}, async (s) => {
        const result = await s.write(makeMessages([{ id: 1, addr: '10.0.0.1' }, { id: 2, addr: 'not-an-ip' }, { id: 3, addr: '::1' }]), timeout());
        assert.deepEqual(result.failed.map((f) => f.index), [1]);
        assert.match(result.failed[0]?.error.message ?? '', /rejected by Trino: .*INVALID_CAST_ARGUMENT|rejected by Trino/);
      });
      assert.deepEqual(await trinoRows(`SELECT id FROM memory.default.${table} ORDER BY id`), [[1], [3]]);
    });

    void it('creates the table from the first batch with inferred types (autoCreateTable)', async () => {
      const table = uniqueTable('auto');
      await withSink(table, { autoCreateTable: true }, async (s) => {
        const first = await s.write(makeMessages([{ id: 1, name: 'a', price: 2.5, ok: true, at: '2024-05-01T12:00:00.000001Z', tags: ['x'] }, { id: 2, name: null, extra: 'e' }]), timeout());
        assert.deepEqual(first.failed, []);
        const second = await s.write(makeMessages([{ id: 3, name: 'c', unknown: 1 }], 'p0', 3), timeout());
        assert.deepEqual(second.failed, []);
      });
      const types = await trinoRows(`SELECT column_name, data_type FROM memory.information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`);
      assert.deepEqual(types, [
        ['id', 'bigint'],
        ['name', 'varchar'],
        ['price', 'double'],
        ['ok', 'boolean'],
        ['at', 'timestamp(6) with time zone'],
        ['tags', 'json'],
        ['extra', 'varchar'],
      ]);
      assert.deepEqual(await trinoRows(`SELECT id, name, price, CAST(at AS varchar), extra FROM memory.default.${table} ORDER BY id`), [
        [1, 'a', 2.5, '2024-05-01 12:00:00.000001 UTC', null],
        [2, null, null, null, 'e'],
        [3, 'c', null, null, null],
      ]);
    });

    void it('rawMode stores the payload and the metadata as JSON text in an auto-created table', async () => {
      const table = uniqueTable('raw');
      await withSink(table, { autoCreateTable: true, rawMode: true }, async (s) => {
        const wrapped = { value: { a: 1 }, _metadata: { topic: 't', offset: 7 } };
        const plain: Message = { ...makeMessage({ b: 'x' }), meta: { topic: 'in', partition: 0 } };
        assert.deepEqual((await s.write([makeMessage(wrapped), plain], timeout())).failed, []);
      });
      assert.deepEqual(await trinoRows(`SELECT data, _metadata FROM memory.default.${table} ORDER BY data`), [
        ['{"a":1}', '{"topic":"t","offset":7}'],
        ['{"b":"x"}', '{"topic":"in","partition":0}'],
      ]);
    });

    void it('refuses upsertMode at open on a catalog without MERGE, naming the catalog', async () => {
      const table = uniqueTable('upsert');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, name varchar)`);
      const s = sink(table, { upsertMode: true, conflictKey: 'id' });
      await assert.rejects(s.open(timeout()), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /upsertMode needs MERGE, which catalog memory \(connector memory\) does not support/);
        return true;
      });
      await s.close();
    });

    void it('fails open with a clear error when the table is missing and autoCreateTable is off', async () => {
      const s = sink(uniqueTable('missing'));
      await assert.rejects(s.open(timeout()), /table "memory"\."default"\."missing_[^"]+" does not exist .*set autoCreateTable/);
      await s.close();
    });

    void it('reports a failing statement with Trino\'s error name and message', async () => {
      const s = sink(uniqueTable('fail'), { catalog: 'nope_catalog' });
      await assert.rejects(s.open(timeout()), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /CATALOG_NOT_FOUND|nope_catalog/);
        return true;
      });
      await s.close();
    });
  });
}
