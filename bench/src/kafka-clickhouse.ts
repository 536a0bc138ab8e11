// Kafka → ClickHouse benchmark (not a test), against the local test services (scripts/services/,
// settings from `source <(scripts/services/env.sh)`):
//   1. N JSON messages of ~200 bytes (id, category, value, ts, note) on a 16-partition topic;
//   2. one worker process drains them into a MergeTree table through the clickhouse sink
//      (JSONEachRow inserts of batchSize rows): msg/s from the consumer group's committed offsets,
//      worker CPU seconds per million (/proc/<pid>/stat), peak RSS (VmHWM); the table must end
//      with exactly N rows;
//   3. latency: the worker idles on a fresh topic, then messages arrive at a steady rate; produce →
//      offset commit per message (the source commits only after the sink's insert returned);
//   4. baseline in the same run, once before and once after the drain (the machine is shared):
//      `clickhouse-client --query "INSERT … FORMAT JSONEachRow" < file` of the same N rows (native
//      protocol, port 19000 of scripts/services/clickhouse.sh); the target compares with their mean.
// Usage: node bench/dist/kafka-clickhouse.js [--n 1000000] [--partitions 16] [--rate 10000]
//        [--latency-seconds 20] [--batch-size 10000] [--flush-seconds 1] [--latency-flush-seconds 0.1] [--tcp-port 19000]
//        [--cpu-prof <dir>] [--worker-node-args "…"] [--json]
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataFlowSpec } from '@dataflow/api';
import { testServices } from '@dataflow/testkit';
import { createTopic, deleteTopics, kafkaClient, produceAll } from './kafka-topic.js';
import type { Latency, SinkUnderTest, Throughput } from './sink-bench.js';
import { baselineShare, baselineTable, commonOptions, drain, formatRate, latency, latencyLine, logLatency, logWorker, machineLine, workerOptionsOf } from './sink-bench.js';
import { payload } from './table-rows.js';

const { values: args } = parseArgs({
  options: {
    ...commonOptions({ n: '1000000', rate: '10000', latencySeconds: '20' }),
    'batch-size': { type: 'string', default: '10000' },
    'flush-seconds': { type: 'string', default: '1' },
    'latency-flush-seconds': { type: 'string', default: '0.1' },
    'tcp-port': { type: 'string', default: process.env['DATAFLOW_TEST_CLICKHOUSE_TCP_PORT'] ?? '19000' },
  },
});
const N = Number(args.n);
const PARTITIONS = Number(args.partitions);
const RATE = Number(args.rate);
const LATENCY_SECONDS = Number(args['latency-seconds']);
const BATCH_SIZE = Number(args['batch-size']);
/** The drain uses the sinks' default flush interval (1 s); the latency run a shorter one. */
const FLUSH_SECONDS = Number(args['flush-seconds']);
const LATENCY_FLUSH_SECONDS = Number(args['latency-flush-seconds']);
const services = testServices();
const stamp = Date.now().toString(36);
const kafka = kafkaClient(services.kafkaBrokers);
const workerOptions = workerOptionsOf(args);

/** One statement over the HTTP interface as the test user; the response text. */
async function chQuery(sql: string): Promise<string> {
  const url = new URL(services.clickhouseUrl);
  url.searchParams.set('database', services.clickhouseDatabase);
  const response = await fetch(url, {
    method: 'POST',
    body: sql,
    headers: { 'X-ClickHouse-User': services.clickhouseUser, 'X-ClickHouse-Key': services.clickhousePassword },
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse refused ${sql.slice(0, 80)}: ${text}`);
  return text;
}

const clickhouse: SinkUnderTest = {
  async createTable(table) {
    await chQuery(`CREATE TABLE ${table} (id Int64, category String, value Float64, ts Int64, note String) ENGINE = MergeTree ORDER BY id`);
  },
  async dropTable(table) {
    await chQuery(`DROP TABLE IF EXISTS ${table}`);
  },
  async rowCount(table) {
    return Number((await chQuery(`SELECT count() FROM ${table}`)).trim());
  },
  spec(topic, table, consumerGroup, flushSeconds): DataFlowSpec {
    return {
      source: { type: 'kafka', config: { brokers: services.kafkaBrokers.split(','), topic, consumerGroup, startOffset: 'earliest' } },
      sink: {
        type: 'clickhouse',
        config: {
          connectionString: `${services.clickhouseUrl.replace(/\/$/, '')}/${services.clickhouseDatabase}`,
          user: services.clickhouseUser,
          password: services.clickhousePassword,
          table,
          batchSize: BATCH_SIZE,
          batchFlushIntervalSeconds: flushSeconds,
        },
      },
    };
  },
};

/** Exit status of a command whose stdin is a file; stderr is kept for the error message. */
function runWithStdin(command: string, argv: string[], stdinFd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { stdio: [stdinFd, 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr.trim()}`))));
  });
}

/** The N rows as a JSONEachRow file (the same lines the topic carries). */
async function writeRowsFile(dir: string): Promise<string> {
  const file = join(dir, 'rows.ndjson');
  const ts = Date.now();
  const lines: string[] = [];
  for (let id = 0; id < N; id++) lines.push(payload(id, ts));
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

interface Baseline {
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** The N rows of `file` through `clickhouse-client … FORMAT JSONEachRow < file` (native protocol). */
async function clientBaseline(file: string, run: string): Promise<Baseline> {
  const table = `h4_bench_ch_client_${run}_${stamp}`;
  await clickhouse.createTable(table);
  const input = await open(file, 'r');
  try {
    const host = new URL(services.clickhouseUrl).hostname;
    const argv = ['--host', host, '--port', args['tcp-port'] ?? '19000', '--user', services.clickhouseUser, '--password', services.clickhousePassword, '--database', services.clickhouseDatabase, '--query', `INSERT INTO ${table} FORMAT JSONEachRow`];
    const started = performance.now();
    await runWithStdin('clickhouse-client', argv, input.fd);
    const seconds = (performance.now() - started) / 1000;
    const rows = await clickhouse.rowCount(table);
    if (rows !== N) throw new Error(`clickhouse-client loaded ${rows} of ${N} rows`);
    return { seconds, rowsPerSecond: N / seconds };
  } finally {
    await input.close();
    await clickhouse.dropTable(table).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const topic = `h4-bench-kafka-clickhouse-${stamp}`;
  const machine = machineLine();
  console.error(`kafka → clickhouse bench: ${N.toLocaleString('en-US')} messages (~${Buffer.byteLength(payload(N, Date.now()))} B) on ${PARTITIONS} partitions; ${machine}`);
  // The baseline runs before and after the worker's drain: the machine is shared, and the mean of
  // the two is the fairer comparison when the load changes during the run.
  const dir = await mkdtemp(join(tmpdir(), 'df-bench-ch-'));
  let result: Throughput;
  let before: Baseline;
  let after: Baseline;
  await createTopic(kafka, topic, PARTITIONS);
  try {
    const file = await writeRowsFile(dir);
    before = await clientBaseline(file, 'before');
    console.error(`clickhouse-client baseline (before): ${formatRate(before.rowsPerSecond)} rows/s`);
    const produceSeconds = await produceAll(kafka, topic, N, PARTITIONS, payload);
    console.error(`produced in ${produceSeconds.toFixed(1)} s`);
    result = await drain(clickhouse, kafka, { name: `ch-drain-${stamp}`, topic, table: `h4_bench_ch_${stamp}`, n: N, flushSeconds: FLUSH_SECONDS, worker: workerOptions });
    after = await clientBaseline(file, 'after');
    console.error(`clickhouse-client baseline (after): ${formatRate(after.rowsPerSecond)} rows/s`);
  } finally {
    await deleteTopics(kafka, [topic]);
    await rm(dir, { recursive: true, force: true });
  }
  logWorker(result);
  const lat: Latency | undefined =
    RATE > 0 && LATENCY_SECONDS > 0
      ? await latency(clickhouse, kafka, { name: `ch-latency-${stamp}`, topic: `h4-bench-ch-latency-${stamp}`, table: `h4_bench_ch_latency_${stamp}`, partitions: PARTITIONS, rate: RATE, seconds: LATENCY_SECONDS, flushSeconds: LATENCY_FLUSH_SECONDS, worker: workerOptions })
      : undefined;
  if (lat !== undefined) logLatency(lat);
  const { share } = baselineShare({ result, before, after });
  const report = { date: new Date().toISOString(), machine, n: N, partitions: PARTITIONS, batchSize: BATCH_SIZE, flushSeconds: FLUSH_SECONDS, latencyFlushSeconds: LATENCY_FLUSH_SECONDS, throughput: result, latency: lat, baseline: { before, after }, shareOfBaseline: share };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(
    baselineTable({
      workerLabel: 'worker (clickhouse sink)',
      beforeLabel: 'clickhouse-client baseline, before the worker',
      afterLabel: 'clickhouse-client baseline, after the worker',
      result,
      before,
      after,
    }),
  );
  if (lat !== undefined) console.log(latencyLine(lat));
}

await main();
