// The sink's statement splitting against a scripted fake coordinator: a batch longer than Trino's
// statement limit becomes several INSERTs below it, and when one of them fails after another
// committed, the runtime's retry of the batch writes only the records not yet written.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConnectionError } from '../../errors.js';
import type { Message } from '../../message.js';
import type { PluginContext } from '../../plugin.js';
import { silentLogger } from '../../runtime/silent-logger.js';
import { parseTrinoSinkConfig } from './config.js';
import { TrinoSink } from './sink.js';

const ctx: PluginContext = {
  log: silentLogger,
  flow: { namespace: 'default', name: 'test' },
  secrets: { read: () => Promise.reject(new Error('no secrets in this test')) },
  checkpoints: { load: () => Promise.resolve(undefined), save: () => Promise.resolve() },
};

/** Trino's default query.max-length. */
const TRINO_MAX_LENGTH = 1_000_000;
const NOTE = 'n'.repeat(400);

let server: Server;
let base = '';
/** Text of every INSERT the fake accepted. */
let inserts: string[] = [];
/** INSERTs still to refuse with HTTP 503, by arrival number (1-based). */
let refuse = new Set<number>();
let insertCount = 0;

function messages(count: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `p0@${i + 1}`,
    position: { partition: 'p0', offset: String(i + 1) },
    timestamp: new Date(0),
    key: null,
    value: { id: i + 1, note: NOTE },
    headers: {},
    meta: {},
  }));
}

/** The ids an INSERT … UNNEST(CAST(ARRAY[1, 2, …] AS ARRAY(bigint)), …) carries. */
function idsOf(statement: string): number[] {
  const list = /UNNEST\(CAST\(ARRAY\[([^\]]*)\] AS ARRAY\(bigint\)\)/.exec(statement)?.[1] ?? '';
  return list.split(', ').filter(Boolean).map(Number);
}

async function openSink(): Promise<TrinoSink> {
  const sink = new TrinoSink(parseTrinoSinkConfig({ serverURL: base, catalog: 'memory', schema: 'default', table: 't' }), ctx);
  await sink.open(AbortSignal.timeout(5000));
  return sink;
}

void describe('trino sink statements', () => {
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const reply = (status: number, payload: unknown): void => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(payload));
        };
        if (body.startsWith('SELECT column_name')) {
          reply(200, { id: 'q', columns: [{ name: 'column_name', type: 'varchar' }, { name: 'data_type', type: 'varchar' }], data: [['id', 'bigint'], ['note', 'varchar']] });
          return;
        }
        if (body.startsWith('INSERT')) {
          insertCount++;
          if (body.length > TRINO_MAX_LENGTH) {
            reply(200, { id: 'q', error: { message: `Query text length (${body.length}) exceeds the maximum length (${TRINO_MAX_LENGTH})`, errorName: 'QUERY_TEXT_TOO_LARGE', errorType: 'USER_ERROR' } });
            return;
          }
          if (refuse.delete(insertCount)) {
            reply(503, { message: 'busy' });
            return;
          }
          inserts.push(body);
          reply(200, { id: 'q', updateType: 'INSERT', updateCount: idsOf(body).length });
          return;
        }
        reply(400, { message: `unexpected statement ${body.slice(0, 40)}` });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    inserts = [];
    refuse = new Set();
    insertCount = 0;
  });

  void it('cuts a batch longer than one statement may be into several below the limit, each record once', async () => {
    const sink = await openSink();
    try {
      // 6,000 records of ~430 characters each: about 2.6 M characters in all.
      const result = await sink.write(messages(6000), AbortSignal.timeout(10_000));
      assert.deepEqual(result.failed, []);
    } finally {
      await sink.close();
    }
    assert.ok(inserts.length >= 3, `expected at least 3 statements, got ${inserts.length}`);
    assert.equal(insertCount, inserts.length, 'no statement was refused for its length');
    for (const statement of inserts) assert.ok(statement.length <= TRINO_MAX_LENGTH, `a statement of ${statement.length} characters`);
    const ids = inserts.flatMap(idsOf).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: 6000 }, (_, i) => i + 1));
  });

  void it('retries only the records whose statement failed, so a retried batch writes nothing twice', async () => {
    const sink = await openSink();
    const batch = messages(6000);
    try {
      refuse = new Set([2]);
      await assert.rejects(sink.write(batch, AbortSignal.timeout(10_000)), ConnectionError);
      const firstAttempt = inserts.length;
      assert.ok(firstAttempt >= 1, 'a statement committed before the failure');
      // The runtime retries the same batch.
      const result = await sink.write(batch, AbortSignal.timeout(10_000));
      assert.deepEqual(result.failed, []);
      assert.deepEqual(inserts.flatMap(idsOf).sort((a, b) => a - b), Array.from({ length: 6000 }, (_, i) => i + 1));
      // A later batch is written in full again (the remembered ids are per batch).
      inserts = [];
      const next = messages(3).map((m) => ({ ...m, id: `p0@${Number(m.position.offset) + 10_000}`, value: { id: Number(m.position.offset) + 10_000, note: 'x' } }));
      assert.deepEqual((await sink.write(next, AbortSignal.timeout(10_000))).failed, []);
      assert.deepEqual(inserts.flatMap(idsOf), [10_001, 10_002, 10_003]);
    } finally {
      await sink.close();
    }
  });

  void it('writes every record of a retried batch exactly once in all', async () => {
    const sink = await openSink();
    const batch = messages(6000);
    try {
      refuse = new Set([3]);
      await assert.rejects(sink.write(batch, AbortSignal.timeout(10_000)), ConnectionError);
      assert.deepEqual((await sink.write(batch, AbortSignal.timeout(10_000))).failed, []);
    } finally {
      await sink.close();
    }
    const ids = inserts.flatMap(idsOf).sort((a, b) => a - b);
    assert.deepEqual(ids, Array.from({ length: 6000 }, (_, i) => i + 1));
  });
});
