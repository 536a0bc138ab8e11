// Kafka → PostgreSQL benchmark (not a test), against the local test services (scripts/services/,
// settings from `source <(scripts/services/env.sh)`):
//   1. N JSON messages of ~200 bytes (id, category, value, ts, note) on a 16-partition topic;
//   2. one worker process (packages/worker/dist/main.js) drains them into PostgreSQL, once in append
//      mode (COPY) and once in upsert mode (conflictKey id): rows/s, worker CPU seconds per million
//      (/proc/<pid>/stat), peak RSS (/proc/<pid>/status VmHWM);
//   3. latency: the append worker idles on a fresh topic, then messages arrive at a steady rate
//      (default 10,000 msg/s) carrying their produce time; each row records clock_timestamp() when
//      it is written, so produce → commit latency is read back from the table (p50/p99);
//   4. baseline in the same run: `psql \copy` of the same N rows from a CSV file.
// Usage: node bench/dist/kafka-postgres.js [--n 1000000] [--partitions 16] [--modes append,upsert]
//        [--rate 10000] [--latency-seconds 20] [--batch-size 5000] [--flush-seconds 0.01] [--poll-ms 200] [--cpu-prof <dir>]
// The sink batch is 5,000 rows: the PostgreSQL sink has two batches in flight, so that holds as many
// rows in memory as one 10,000-row batch did before writes were pipelined.
//        [--worker-node-args "--max-old-space-size=128"] [--source-config '{"readAheadRecords":10000}']
//        [--sink-config '{"writesInFlight":4}'] [--json]
// With DATAFLOW_DEBUG_TIMELINE=1 the worker prints per-second flow-control counters (fetches, waits,
// batches cut, writes in flight, acks; packages/worker/src/runtime/debug-timeline.ts), relayed here.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import type { DataFlowSpec } from '@dataflow/api';
import { testServices } from '@dataflow/testkit';
import { createTopic as createKafkaTopic, deleteTopics as deleteKafkaTopics, kafkaClient, produceAll as produceKafka } from './kafka-topic.js';
import type { KafkaClient } from './kafka-topic.js';
import { CATEGORIES, NOTE, payload } from './table-rows.js';
import { commonOptions, workerOptionsOf } from './sink-bench.js';
import { cpuSeconds, memoryBreakdown, metricsPort, peakRssMb, startWorker as startWorkerProcess, podNodeOptions, relayTimeline, stopWorker, workerExit } from './worker-process.js';
import type { Worker } from './worker-process.js';

const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    ...commonOptions({ n: '1000000', rate: '10000', latencySeconds: '20' }),
    modes: { type: 'string', default: 'append,upsert' },
    'batch-size': { type: 'string', default: '5000' },
    'flush-seconds': { type: 'string', default: '0.01' },
    // count(*) over a table of up to N rows costs PostgreSQL CPU on the same cores as the drain.
    'poll-ms': { type: 'string', default: '200' },
    // Extra Kafka source settings as JSON, e.g. '{"readAheadRecords":10000}'.
    'source-config': { type: 'string', default: '{}' },
    // Extra PostgreSQL sink settings as JSON, e.g. '{"writesInFlight":4}'.
    'sink-config': { type: 'string', default: '{}' },
  },
});
const N = Number(args.n);
const PARTITIONS = Number(args.partitions);
const RATE = Number(args.rate);
const LATENCY_SECONDS = Number(args['latency-seconds']);
const BATCH_SIZE = Number(args['batch-size']);
const FLUSH_SECONDS = Number(args['flush-seconds']);
const POLL_MS = Number(args['poll-ms']);
const SOURCE_CONFIG = JSON.parse(args['source-config']) as Record<string, unknown>;
const SINK_CONFIG = JSON.parse(args['sink-config']) as Record<string, unknown>;
const services = testServices();
const stamp = Date.now().toString(36);

// Topics, producer and worker process are shared with the ClickHouse and Trino benchmarks.
const kafka = (): KafkaClient => kafkaClient(services.kafkaBrokers);
const createTopic = (topic: string): Promise<void> => createKafkaTopic(kafka(), topic, PARTITIONS);
const deleteTopics = (topics: string[]): Promise<void> => deleteKafkaTopics(kafka(), topics);
const produceAll = (topic: string, n: number): Promise<number> => produceKafka(kafka(), topic, n, PARTITIONS, payload);
const startWorker = (name: string, spec: DataFlowSpec): Promise<Worker> => startWorkerProcess(name, spec, workerOptionsOf(args));

async function withDb<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: services.pgUrl });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

async function query<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
  return withDb(async (client) => (await client.query<R>(text)).rows);
}

async function createTable(table: string, primaryKey: boolean): Promise<void> {
  await query(`CREATE TABLE ${table} (id bigint${primaryKey ? ' PRIMARY KEY' : ''}, category text, value double precision, ts bigint, note text, written_at timestamptz DEFAULT clock_timestamp())`);
}

function spec(topic: string, table: string, upsert: boolean): DataFlowSpec {
  return {
    source: { type: 'kafka', config: { brokers: services.kafkaBrokers.split(','), topic, startOffset: 'earliest', ...SOURCE_CONFIG } },
    sink: {
      type: 'postgresql',
      config: { connectionString: services.pgUrl, table, batchSize: BATCH_SIZE, batchFlushIntervalSeconds: FLUSH_SECONDS, ...SINK_CONFIG, ...(upsert ? { upsertMode: true, conflictKey: 'id' } : {}) },
    },
  };
}

async function rowCount(table: string): Promise<number> {
  const [row] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row?.n ?? 0;
}

interface Throughput {
  readonly mode: string;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** From process start: includes Node start-up and the consumer group join. */
  readonly wallSeconds: number;
  readonly cpuSecondsPerMillion: number;
  /** Everything the process used, start-up included. */
  readonly totalCpuSeconds: number;
  readonly peakRssMb: number;
  /** V8 heap and external memory at the end of the drain (from the worker's /metrics). */
  readonly memoryAtEndMb: Record<string, number>;
  /** Sink writes (batches) and the seconds they took, summed over batches (from /metrics). */
  readonly sinkWrites: { readonly batches: number; readonly seconds: number };
  readonly exitCode: number | null;
}

/** Batches the worker's main sink wrote and their summed write time (several may overlap). */
async function sinkWriteTime(worker: Worker): Promise<{ batches: number; seconds: number }> {
  const port = metricsPort(worker);
  if (port === undefined) return { batches: 0, seconds: 0 };
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (suffix: string): number => Number(new RegExp(`^dataflow_task_stage_duration_seconds_${suffix}\\{[^}]*stage="sink_write"[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
  return { batches: read('count'), seconds: read('sum') };
}

/** Runs one worker over the topic until every row is in; rows/s is measured from the first row visible. */
async function drain(mode: 'append' | 'upsert', topic: string): Promise<Throughput> {
  const table = `bench_${mode}_${stamp}`;
  await createTable(table, mode === 'upsert');
  const spawned = performance.now();
  const worker = await startWorker(`${mode}-${stamp}`, spec(topic, table, mode === 'upsert'));
  const pid = worker.child.pid ?? -1;
  let firstAt = 0;
  let cpuAtFirst = 0;
  let rowsAtFirst = 0;
  let rows = 0;
  const deadline = spawned + 30 * 60_000;
  for (;;) {
    rows = await rowCount(table);
    if (rows > 0 && firstAt === 0) {
      firstAt = performance.now();
      cpuAtFirst = await cpuSeconds(pid);
      rowsAtFirst = rows;
    }
    if (rows >= N) break;
    const exit = workerExit(worker);
    if (exit !== undefined) throw new Error(`the ${mode} worker ended (${exit}): ${worker.lines.slice(-5).join('\n')}`);
    if (performance.now() > deadline) throw new Error(`${mode}: only ${rows} of ${N} rows after 30 min`);
    await delay(rows === 0 ? 50 : POLL_MS);
  }
  const doneAt = performance.now();
  const cpu = await cpuSeconds(pid);
  const rss = await peakRssMb(pid);
  const memory = await memoryBreakdown(worker).catch(() => ({}));
  const sinkWrites = await sinkWriteTime(worker).catch(() => ({ batches: 0, seconds: 0 }));
  const exitCode = await stopWorker(worker);
  relayTimeline(worker, mode);
  await query(`DROP TABLE ${table}`);
  const seconds = (doneAt - firstAt) / 1000;
  return {
    mode,
    rows,
    seconds,
    rowsPerSecond: (N - rowsAtFirst) / seconds,
    wallSeconds: (doneAt - spawned) / 1000,
    // From the first row on: the start-up (module loading, group join) is not per message.
    cpuSecondsPerMillion: ((cpu - cpuAtFirst) / (N - rowsAtFirst)) * 1e6,
    totalCpuSeconds: cpu,
    peakRssMb: rss,
    memoryAtEndMb: memory,
    sinkWrites,
    exitCode,
  };
}

interface Latency {
  readonly rate: number;
  readonly messages: number;
  readonly achievedRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A steady `RATE` msg/s for LATENCY_SECONDS into an idle append worker; latency from the table. */
async function latency(): Promise<Latency> {
  const topic = `bench-latency-${stamp}`;
  const table = `bench_latency_${stamp}`;
  await createTopic(topic);
  await createTable(table, false);
  const worker = await startWorker(`latency-${stamp}`, spec(topic, table, false));
  const producer = kafka().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // Warm-up: the worker has joined its group and written a row.
    await producer.send({ topic, acks: 1, messages: [{ value: payload(-1, Date.now()) }] });
    while ((await rowCount(table)) === 0) await delay(100);
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
    const total = Math.round(RATE * LATENCY_SECONDS);
    const started = performance.now();
    const sends: Promise<unknown>[] = [];
    let id = 0;
    for (let tick = 0; id < total; tick++) {
      const wait = started + tick * tickMs - performance.now();
      if (wait > 0) await delay(wait);
      const messages = [];
      const now = Date.now();
      for (let i = 0; i < perTick && id < total; i++, id++) messages.push({ partition: id % PARTITIONS, value: payload(id, now) });
      sends.push(producer.send({ topic, acks: 1, messages }));
    }
    await Promise.all(sends);
    const achievedRate = total / ((performance.now() - started) / 1000);
    while ((await rowCount(table)) < total + 1) await delay(200);
    const [row] = await query<{ p50: number; p99: number; max: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::float8 AS p99, max(ms)::float8 AS max
         FROM (SELECT extract(epoch FROM written_at) * 1000 - ts AS ms FROM ${table} WHERE id >= 0) t`,
    );
    return { rate: RATE, messages: total, achievedRate, p50Ms: row?.p50 ?? Number.NaN, p99Ms: row?.p99 ?? Number.NaN, maxMs: row?.max ?? Number.NaN };
  } finally {
    await producer.disconnect();
    await stopWorker(worker);
    await query(`DROP TABLE IF EXISTS ${table}`);
    await deleteTopics([topic]);
  }
}

/** The same N rows through `psql \copy` from a CSV file. */
async function copyBaseline(): Promise<{ seconds: number; rowsPerSecond: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'df-bench-copy-'));
  const file = join(dir, 'rows.csv');
  const table = `bench_copy_${stamp}`;
  const ts = Date.now();
  const lines: string[] = [];
  for (let id = 0; id < N; id++) lines.push(`${id},${CATEGORIES[id % CATEGORIES.length]},${(id % 100_000) / 100},${ts},"${NOTE}"`);
  await writeFile(file, `${lines.join('\n')}\n`);
  await createTable(table, false);
  try {
    const psql = join(services.pgBin, 'psql');
    const started = performance.now();
    await run(psql, [services.pgUrl, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${table} (id, category, value, ts, note) FROM '${file}' WITH (FORMAT csv)`]);
    const seconds = (performance.now() - started) / 1000;
    const rows = await rowCount(table);
    if (rows !== N) throw new Error(`psql \\copy loaded ${rows} of ${N} rows`);
    return { seconds, rowsPerSecond: N / seconds };
  } finally {
    await query(`DROP TABLE IF EXISTS ${table}`);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const modes = (args.modes ?? '').split(',').filter(Boolean) as Array<'append' | 'upsert'>;
  const topic = `bench-kafka-postgres-${stamp}`;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  console.error(`kafka → postgresql bench: ${N.toLocaleString('en-US')} messages (~${Buffer.byteLength(payload(N, Date.now()))} B) on ${PARTITIONS} partitions; ${machine}`);
  console.error(`worker NODE_OPTIONS (as a pod with the default 512Mi limit): ${podNodeOptions(spec('t', 't', false)) ?? '(none)'}; extra flags: ${args['worker-node-args'] || '(none)'}; source config: ${JSON.stringify(SOURCE_CONFIG)}; sink config: ${JSON.stringify(SINK_CONFIG)}`);
  await createTopic(topic);
  const produceSeconds = await produceAll(topic, N);
  console.error(`produced in ${produceSeconds.toFixed(1)} s`);
  const results: Throughput[] = [];
  try {
    for (const mode of modes) {
      const result = await drain(mode, topic);
      results.push(result);
      console.error(`${mode}: ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s, ${result.cpuSecondsPerMillion.toFixed(1)} CPU-s/M, peak RSS ${result.peakRssMb.toFixed(0)} MB (at the end: ${JSON.stringify(result.memoryAtEndMb)}), ${result.sinkWrites.batches} sink writes taking ${result.sinkWrites.seconds.toFixed(1)} s in sum, exit ${String(result.exitCode)}`);
    }
  } finally {
    await deleteTopics([topic]);
  }
  const lat = RATE > 0 && LATENCY_SECONDS > 0 ? await latency() : undefined;
  if (lat !== undefined) console.error(`latency at ${lat.rate} msg/s (achieved ${Math.round(lat.achievedRate)}): p50 ${lat.p50Ms.toFixed(1)} ms, p99 ${lat.p99Ms.toFixed(1)} ms, max ${lat.maxMs.toFixed(1)} ms`);
  const copy = await copyBaseline();
  console.error(`psql \\copy baseline: ${Math.round(copy.rowsPerSecond).toLocaleString('en-US')} rows/s`);
  const report = { date: new Date().toISOString(), machine, n: N, partitions: PARTITIONS, batchSize: BATCH_SIZE, flushSeconds: FLUSH_SECONDS, produceSeconds, throughput: results, latency: lat, copyBaseline: copy };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const rows = results.map(
    (r) => `| ${r.mode} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} | ${r.seconds.toFixed(1)} s (${r.wallSeconds.toFixed(1)} s from spawn) | ${r.cpuSecondsPerMillion.toFixed(1)} (${r.totalCpuSeconds.toFixed(1)} s in all) | ${r.peakRssMb.toFixed(0)} MB |`,
  );
  console.log(['| mode | rows/s | drain time | worker CPU-s / 1M | peak RSS |', '|---|---:|---:|---:|---:|', ...rows, `| psql \\copy baseline | ${Math.round(copy.rowsPerSecond).toLocaleString('en-US')} | ${copy.seconds.toFixed(1)} s | – | – |`].join('\n'));
  if (lat !== undefined) console.log(`\nLatency produce → row visible at ${lat.rate.toLocaleString('en-US')} msg/s (${lat.messages.toLocaleString('en-US')} messages, achieved ${Math.round(lat.achievedRate).toLocaleString('en-US')} msg/s): p50 ${lat.p50Ms.toFixed(1)} ms, p99 ${lat.p99Ms.toFixed(1)} ms, max ${lat.maxMs.toFixed(1)} ms`);
}

await main();
