// Kafka → PostgreSQL through the REAL worker process under failures: SIGKILL and restart of the
// worker (append and upsert), a broker restart, a PostgreSQL restart, a poison record, a wrong
// SASL password and a Schema Registry that is down at start. Row counts prove nothing was lost.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import kafkajs from 'kafkajs';
import type { DataFlowSpec } from '@dataflow/api';
import { serviceSkipReason } from '../services.js';
import { waitFor } from '../wait-for.js';
import { createTopic, kafkaAvailable, uniqueName as uniqueTopic } from './kafka-helpers.js';
import { postgresAvailable, pgUrl, services, sql, uniqueFlow, uniqueName as uniqueTable } from './postgresql-helpers.js';
import { IN_FLIGHT_PER_CRASH, SINK_BATCH_SIZE, SteadyProducer, failWith, kafkaBrokers, numberedRow, withWorker } from './failure-harness.js';
import type { WorkerProcess } from './worker-process.js';

const run = promisify(execFile);
const { Kafka, logLevel } = kafkajs;
const brokers = kafkaBrokers;
const record = numberedRow;

const available = (await kafkaAvailable()) && (await postgresAvailable());


function flowSpec(topic: string, table: string, sink: Record<string, unknown> = {}, extra: Partial<DataFlowSpec> = {}): DataFlowSpec {
  return {
    source: { type: 'kafka', config: { brokers: brokers(), topic, startOffset: 'earliest' } },
    sink: { type: 'postgresql', config: { connectionString: pgUrl, table, batchSize: SINK_BATCH_SIZE, batchFlushIntervalSeconds: 0.2, ...sink } },
    ...extra,
  };
}

async function createRowTable(table: string, primaryKey: boolean): Promise<void> {
  await sql(`CREATE TABLE ${table} (id bigint${primaryKey ? ' PRIMARY KEY' : ''}, category varchar(16), value double precision, ts bigint)`);
}

async function rowStats(table: string): Promise<{ rows: number; ids: number }> {
  const [row] = await sql<{ rows: number; ids: number }>(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM ${table}`);
  return row ?? { rows: -1, ids: -1 };
}

async function produceOnce(topic: string, messages: Array<{ key?: string; value: string | Buffer }>): Promise<void> {
  const producer = new Kafka({ clientId: 'dataflow-failure-tests', brokers: brokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the table holds every id in [0, n). */
async function waitForAllIds(table: string, n: number, timeoutMs: number, what: string): Promise<void> {
  await waitFor(async () => (await rowStats(table)).ids >= n, { timeoutMs, intervalMs: 250, what });
}

if (!available) {
  void it('kafka → postgresql failure tests', (t) => t.skip(serviceSkipReason('kafka and postgresql', `${services.kafkaBrokers}, ${new URL(pgUrl).host}`)));
} else {
  void describe('kafka → postgresql through the worker process, under failures', { timeout: 230_000 }, () => {
    const tables: string[] = [];
    after(async () => {
      if (tables.length > 0) await sql(`DROP TABLE IF EXISTS ${tables.join(', ')}`);
    });

    void it('SIGKILL and restart 5 times while producing: no loss, bounded duplicates (append), none (upsert), full speed within 15 s', async () => {
      const topic = uniqueTopic('df-kill');
      const append = uniqueTable('kill_append');
      const upsert = uniqueTable('kill_upsert');
      tables.push(append, upsert);
      await createTopic(topic, 4);
      await createRowTable(append, false);
      await createRowTable(upsert, true);
      const producer = new SteadyProducer([topic], 200, 100);
      await producer.start();
      const kills = 5;
      try {
        await withWorker(flowSpec(topic, append), uniqueFlow('kill-append'), (startAppend) =>
          withWorker(flowSpec(topic, upsert, { upsertMode: true, conflictKey: 'id' }), uniqueFlow('kill-upsert'), async (startUpsert) => {
            let workers = [startAppend(), startUpsert()];
            for (let round = 1; round <= kills; round++) {
              // Kill mid-stream: only once both workers are writing again.
              const before = await Promise.all([rowStats(append), rowStats(upsert)]);
              await waitFor(async () => (await rowStats(append)).rows > before[0].rows && (await rowStats(upsert)).rows > before[1].rows, {
                timeoutMs: 30_000,
                intervalMs: 200,
                what: `both workers writing before kill ${round}`,
              });
              await delay(300 + Math.floor(Math.random() * 500));
              for (const worker of workers) await worker.stop('SIGKILL');
              workers = [startAppend(), startUpsert()];
            }
            // Back at full speed: the dead members' partitions are free again after the session
            // timeout (10 s, docs/adr/0005), so within 15 s of the last restart both workers write
            // again, and the backlog of the outage drains within a few seconds more.
            const restartedAt = performance.now();
            const producedAtRestart = producer.produced;
            const rowsAtRestart = await Promise.all([rowStats(append), rowStats(upsert)]);
            const resumedAfter: number[] = [];
            for (const [i, table] of [append, upsert].entries()) {
              try {
                await waitFor(async () => (await rowStats(table)).rows > (rowsAtRestart[i]?.rows ?? 0), {
                  timeoutMs: Math.max(1, 15_000 - (performance.now() - restartedAt)),
                  intervalMs: 100,
                  what: `${table}: writing again within 15 s of the last restart`,
                });
                resumedAfter.push((performance.now() - restartedAt) / 1000);
                await waitForAllIds(table, producedAtRestart, Math.max(1, 25_000 - (performance.now() - restartedAt)), `${table}: the outage's backlog drained within 25 s of the last restart`);
              } catch (error) {
                failWith(workers[i] as WorkerProcess, (error as Error).message);
              }
            }
            const caughtUpSeconds = (performance.now() - restartedAt) / 1000;
            const total = await producer.stop();
            await waitForAllIds(append, total, 30_000, 'append: every produced id');
            await waitForAllIds(upsert, total, 30_000, 'upsert: every produced id');
            for (const worker of workers) {
              const exit = await worker.stop('SIGTERM');
              assert.deepEqual(exit, { code: 0, signal: null }, 'a graceful stop after the crashes exits 0');
            }
            const appendStats = await rowStats(append);
            const upsertStats = await rowStats(upsert);
            assert.equal(appendStats.ids, total, 'append: no id lost');
            assert.ok(
              appendStats.rows - total <= kills * IN_FLIGHT_PER_CRASH,
              `append: ${appendStats.rows - total} duplicates exceed ${kills} crashes × ${IN_FLIGHT_PER_CRASH} in flight`,
            );
            assert.deepEqual(upsertStats, { rows: total, ids: total }, 'upsert: every id once');
            const [maxId] = await sql<{ max: string }>(`SELECT max(id)::text AS max FROM ${upsert}`);
            assert.equal(maxId?.max, String(total - 1));
            process.stderr.write(`# kill test: ${total} produced, ${appendStats.rows - total} duplicates in append mode, writing again ${resumedAfter.map((x) => x.toFixed(1)).join(' / ')} s and caught up ${caughtUpSeconds.toFixed(1)} s after the last restart\n`);
          }),
        );
      } finally {
        await producer.stop();
      }
    });

    void it('broker restart mid-stream: no loss', async () => {
      const topic = uniqueTopic('df-broker');
      const table = uniqueTable('broker_restart');
      tables.push(table);
      await createTopic(topic, 2);
      await createRowTable(table, true);
      const producer = new SteadyProducer([topic], 200, 100);
      await producer.start();
      try {
        await withWorker(flowSpec(topic, table, { upsertMode: true }), uniqueFlow('broker'), async (start) => {
          const worker = start();
          await waitFor(async () => (await rowStats(table)).rows > 500, { timeoutMs: 30_000, intervalMs: 200, what: 'rows before the broker restart' });
          await run(join(services.servicesDir, 'kafka.sh'), ['restart'], { timeout: 90_000 });
          // The producer gets through again, and the worker follows.
          const producedAfter = producer.produced;
          await waitFor(() => producer.produced > producedAfter + 1000, { timeoutMs: 60_000, intervalMs: 200, what: 'producing after the broker restart' });
          const total = await producer.stop();
          try {
            await waitForAllIds(table, total, 60_000, 'every id after the broker restart');
          } catch (error) {
            failWith(worker, (error as Error).message);
          }
          assert.ok(worker.running, 'the worker rode out the broker restart');
          assert.ok(worker.lines.some((line) => line.includes('ECONNREFUSED')), 'the worker saw the outage (else nothing was tested)');
          assert.equal((await rowStats(table)).ids, total);
        });
      } finally {
        await producer.stop();
      }
    });

    void it('PostgreSQL restart mid-stream: the worker heals by itself, no loss', async () => {
      const topic = uniqueTopic('df-pgrestart');
      const table = uniqueTable('pg_restart');
      tables.push(table);
      await createTopic(topic, 2);
      await createRowTable(table, false);
      const producer = new SteadyProducer([topic], 200, 100);
      await producer.start();
      try {
        await withWorker(flowSpec(topic, table), uniqueFlow('pgrestart'), async (start) => {
          const worker = start();
          await waitFor(async () => (await rowStats(table)).rows > 500, { timeoutMs: 30_000, intervalMs: 200, what: 'rows before the PostgreSQL restart' });
          await run(join(services.servicesDir, 'postgres.sh'), ['restart'], { timeout: 90_000 });
          await delay(2000);
          const total = await producer.stop();
          try {
            await waitForAllIds(table, total, 60_000, 'every id after the PostgreSQL restart');
          } catch (error) {
            failWith(worker, (error as Error).message);
          }
          assert.ok(worker.running, 'the worker is still running (no human restart needed)');
          assert.ok(worker.lines.some((line) => /connection lost|sink write failed; retrying/.test(line)), 'the worker saw the outage (else nothing was tested)');
          const stats = await rowStats(table);
          assert.equal(stats.ids, total);
          assert.ok(stats.rows - total <= IN_FLIGHT_PER_CRASH, `${stats.rows - total} duplicates after one PostgreSQL restart`);
        });
      } finally {
        await producer.stop();
      }
    });

    void it('a poison record among good ones goes to the error sink with its payload and reason; the good ones are written', async () => {
      const topic = uniqueTopic('df-poison');
      const table = uniqueTable('poison');
      tables.push(table);
      await createTopic(topic, 1);
      await createRowTable(table, false);
      const tooLong = JSON.stringify({ id: 1000, category: 'far-too-long-for-varchar-16', value: 1, ts: 1 });
      const notJson = '{"id": 1001, oops';
      const notObject = '[1001, 1002]';
      const good = Array.from({ length: 60 }, (_, i) => record(i));
      await produceOnce(topic, [...good.slice(0, 20), { value: tooLong }, ...good.slice(20, 40), { value: notJson }, { value: notObject }, ...good.slice(40)]);
      const dir = await mkdtemp(join(tmpdir(), 'df-poison-'));
      const errorsPath = join(dir, 'errors.ndjson');
      try {
        await withWorker(flowSpec(topic, table, {}, { errors: { type: 'file', config: { path: errorsPath } } }), uniqueFlow('poison'), async (start) => {
          const worker = start();
          try {
            await waitFor(async () => (await rowStats(table)).rows >= 60, { timeoutMs: 30_000, intervalMs: 200, what: 'the 60 good rows' });
            await waitFor(async () => (await readFile(errorsPath, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).length >= 3, {
              timeoutMs: 15_000,
              intervalMs: 200,
              what: 'three error records',
            });
          } catch (error) {
            failWith(worker, (error as Error).message);
          }
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
        });
        assert.deepEqual(await rowStats(table), { rows: 60, ids: 60 }, 'exactly the good rows');
        const errors = (await readFile(errorsPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { error: { message: string; stage: string; position: { offset: unknown } }; original_message: unknown });
        assert.equal(errors.length, 3);
        const byOffset = new Map(errors.map((e) => [String(e.error.position.offset), e]));
        const longRecord = byOffset.get('20');
        assert.ok(longRecord !== undefined, `the too-long record is dead-lettered (offsets: ${[...byOffset.keys()].join(', ')})`);
        assert.deepEqual(longRecord.original_message, JSON.parse(tooLong), 'the exact payload of the too-long record');
        assert.match(longRecord.error.message, /22001|too long/i);
        assert.match(longRecord.error.stage, /^sink/);
        const brokenRecord = byOffset.get('41') as { original_message: { original_data: string; original_data_base64: string }; error: { message: string } } | undefined;
        assert.equal(brokenRecord?.original_message.original_data, notJson, 'the undecodable bytes as they were');
        assert.equal(Buffer.from(brokenRecord.original_message.original_data_base64, 'base64').toString('utf8'), notJson);
        assert.match(brokenRecord.error.message, /JSON/i);
        const arrayRecord = byOffset.get('42');
        assert.ok(arrayRecord !== undefined, `the non-object payload is dead-lettered too (offsets: ${[...byOffset.keys()].join(', ')})`);
        assert.match(JSON.stringify(arrayRecord.original_message), /1001,\s*1002/);
        assert.match(arrayRecord.error.message, /object|array/i);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('a wrong SASL password: a clear error in the log and no hot loop', async () => {
      const table = uniqueTable('sasl_wrong');
      tables.push(table);
      await createRowTable(table, false);
      const spec: DataFlowSpec = {
        source: { type: 'kafka', config: { brokers: services.kafkaSaslBrokers.split(','), topic: 'never-read', sasl: { mechanism: 'scram-sha-512', username: services.kafkaUser, password: 'not-the-password' } } },
        sink: { type: 'postgresql', config: { connectionString: pgUrl, table } },
      };
      await withWorker(spec, uniqueFlow('sasl'), async (start) => {
        const worker = start();
        const startedAt = performance.now();
        const patience = new AbortController();
        const exit = await Promise.race([worker.exited, delay(12_000, undefined, { signal: patience.signal }).catch(() => undefined)]);
        patience.abort();
        const seconds = (performance.now() - startedAt) / 1000;
        const failures = worker.lines.filter((line) => /SASL authentication failed/i.test(line));
        if (failures.length === 0) failWith(worker, 'no "SASL authentication failed" line in the worker log');
        if (exit !== undefined) assert.ok(failures.some((line) => line.includes('"level":"error"') && line.includes('flow failed')), 'the reason is logged as the failure of the flow');
        assert.match(failures[0] ?? '', new RegExp(`user ${services.kafkaUser}`), 'the error names the user');
        if (exit !== undefined) {
          // The product treats bad credentials as permanent: exit non-zero, once, with the reason.
          assert.notEqual(exit.code, 0, 'a worker that cannot authenticate does not exit 0');
          assert.ok(seconds < 12);
        } else {
          // The product retries: with backoff, not in a hot loop.
          assert.ok(failures.length <= 10, `${failures.length} authentication failures in ${seconds.toFixed(0)} s is a hot loop`);
        }
        process.stderr.write(`# wrong SASL password: ${exit === undefined ? `still retrying after ${seconds.toFixed(0)} s, ${failures.length} failures logged` : `exited ${String(exit.code)} after ${seconds.toFixed(1)} s`}\n`);
      });
    });

    void it('a wrong CA: the worker exits non-zero after the connection retries, naming the certificate problem', async () => {
      const table = uniqueTable('wrong_ca');
      tables.push(table);
      await createRowTable(table, false);
      const dir = await mkdtemp(join(tmpdir(), 'df-wrong-ca-'));
      try {
        await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other.key'), '-out', join(dir, 'other.pem'), '-days', '1', '-subj', '/CN=some-other-ca']);
        const spec: DataFlowSpec = {
          source: { type: 'kafka', config: { brokers: services.kafkaSslBrokers.split(','), topic: 'never-read', tls: { caFile: join(dir, 'other.pem') } } },
          sink: { type: 'postgresql', config: { connectionString: pgUrl, table } },
        };
        await withWorker(spec, uniqueFlow('wrong-ca'), async (start) => {
          const worker = start();
          const patience = new AbortController();
          const exit = await Promise.race([worker.exited, delay(20_000, undefined, { signal: patience.signal }).catch(() => undefined)]);
          patience.abort();
          if (exit === undefined) failWith(worker, 'the worker still runs 20 s after its TLS handshake was refused');
          assert.equal(exit.code, 1, 'a flow failure exits 1');
          const failure = worker.lines.find((line) => line.includes('flow failed'));
          if (failure === undefined) failWith(worker, 'no "flow failed" line');
          assert.match(failure, /TLS certificate of the brokers .* was not accepted .*caFile/);
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('Schema Registry down at start: a clear retriable error, retries with backoff, recovers when it appears', async () => {
      const registryUrl = new URL(services.schemaRegistry);
      const registryUp = await fetch(`${services.schemaRegistry}/subjects`).then((r) => r.ok, () => false);
      assert.ok(registryUp || process.env['CI'] !== 'true', `the Schema Registry at ${services.schemaRegistry} is not running`);
      if (!registryUp) return;
      const topic = uniqueTopic('df-registry');
      const table = uniqueTable('registry_down');
      tables.push(table);
      await createTopic(topic, 1);
      await sql(`CREATE TABLE ${table} (id bigint, item text)`);
      const schema = JSON.stringify({ type: 'record', name: 'Item', namespace: 'dataflow.tests', fields: [{ name: 'id', type: 'long' }, { name: 'item', type: 'string' }] });
      const registry = new SchemaRegistry({ host: services.schemaRegistry });
      const { id: schemaId } = await registry.register({ type: SchemaType.AVRO, schema }, { subject: `${topic}-value` });
      const values = await Promise.all(Array.from({ length: 10 }, (_, i) => registry.encode(schemaId, { id: i, item: `item-${i}` })));
      await produceOnce(topic, values.map((value) => ({ value })));

      // A port with nothing behind it yet; later a proxy to the real registry opens on it.
      const port = await freePort();
      const downUrl = `http://127.0.0.1:${port}${registryUrl.pathname}`;
      const spec: DataFlowSpec = {
        source: { type: 'kafka', config: { brokers: brokers(), topic, format: 'avro', schemaRegistry: { url: downUrl } } },
        sink: { type: 'postgresql', config: { connectionString: pgUrl, table, batchFlushIntervalSeconds: 0.2 } },
      };
      await withWorker(spec, uniqueFlow('registry'), async (start) => {
        const worker = start();
        await delay(8000);
        const mentions = worker.lines.filter((line) => line.includes(String(port)) || /schema registry/i.test(line));
        if (mentions.length === 0) failWith(worker, 'the log does not say the Schema Registry is unreachable');
        assert.ok(worker.running, 'the worker waits for the registry instead of exiting');
        assert.equal((await rowStats(table)).rows, 0, 'nothing written (and nothing dead-lettered) while the schema is unknown');
        assert.ok(mentions.length <= 20, `${mentions.length} registry errors in 8 s is a hot loop`);
        assert.ok(mentions.some((line) => /schema registry at \S+ is unreachable/i.test(line) && /retrying/.test(line)), 'the log says the registry is unreachable and that it retries');
        process.stderr.write(`# registry down: ${mentions.length} log lines in 8 s, first: ${(mentions[0] ?? '').slice(0, 400)}\n`);
        const proxy = await tcpProxy(port, registryUrl.hostname, Number(registryUrl.port));
        try {
          try {
            await waitFor(async () => (await rowStats(table)).rows === 10, { timeoutMs: 45_000, intervalMs: 250, what: 'the 10 Avro rows once the registry is up' });
          } catch (error) {
            failWith(worker, (error as Error).message);
          }
          assert.deepEqual(await sql(`SELECT id::int AS id, item FROM ${table} ORDER BY id LIMIT 2`), [
            { id: 0, item: 'item-0' },
            { id: 1, item: 'item-1' },
          ]);
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
        } finally {
          await closeProxy(proxy);
        }
      });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Proxy {
  readonly server: Server;
  readonly sockets: Set<Socket>;
}

/** Forwards 127.0.0.1:`port` to `host`:`targetPort` byte for byte. */
async function tcpProxy(port: number, host: string, targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, host);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, sockets };
}

async function closeProxy(proxy: Proxy): Promise<void> {
  for (const socket of proxy.sockets) socket.destroy();
  await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
}
