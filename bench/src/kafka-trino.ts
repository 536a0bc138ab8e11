// Kafka → Trino benchmark (not a test), against the local test services (scripts/services/,
// settings from `source <(scripts/services/env.sh)`). Trino is reached over plain HTTP (port 18080,
// no authentication, X-Trino-User), not the JWT listener, so the figures are about the insert path.
//   1. N JSON messages of ~200 bytes (id, category, value, ts, note) on a 16-partition topic;
//   2. one worker process drains them into a table of the memory catalog through the trino sink
//      (one INSERT … SELECT * FROM UNNEST(…) per batch of batchSize rows): msg/s from the consumer
//      group's committed offsets, worker CPU seconds per million, peak RSS; the table must end with
//      exactly N rows;
//   3. latency: the worker idles on a fresh topic, then messages arrive at a steady rate; produce →
//      offset commit per message;
//   4. baseline in the same run, once before and once after the drain (the target compares with
//      their mean, as the machine is shared): the same N rows as direct `INSERT … SELECT * FROM UNNEST(ARRAY[…], …)`
//      statements over the REST protocol, one at a time (statement text built before the clock
//      starts: the baseline is what the server takes). 5,000 rows per statement, not 10,000: with
//      these ~200-byte rows 10,000 make a 1.8 MB statement, over Trino's default query.max-length
//      (1,000,000 characters), which the server refuses.
// N defaults to 100,000, not 1,000,000: the memory catalog holds at most 256 MB per node
// (scripts/services/trino/etc/catalog/memory.properties) and is shared with the integration tests,
// and the test coordinator (1.5 GB heap) keeps every statement of the last 15 minutes in its query
// history, text and plan: 300,000 rows each way as ~1 MB UNNEST statements ran it out of heap twice.
// Usage: node bench/dist/kafka-trino.js [--n 100000] [--partitions 16] [--rate 2000]
//        [--latency-seconds 10] [--batch-size 10000] [--flush-seconds 1] [--latency-flush-seconds 0.1] [--statement-rows 5000]
//        [--cpu-prof <dir>] [--worker-node-args "…"] [--json]
import { parseArgs } from 'node:util';
import type { DataFlowSpec } from '@dataflow/api';
import { testServices } from '@dataflow/testkit';
import { createTopic, deleteTopics, kafkaClient, produceAll } from './kafka-topic.js';
import type { Latency, SinkUnderTest, Throughput } from './sink-bench.js';
import { baselineShare, baselineTable, commonOptions, drain, formatRate, latency, latencyLine, logLatency, logWorker, machineLine, workerOptionsOf } from './sink-bench.js';
import { benchRow, payload } from './table-rows.js';

const { values: args } = parseArgs({
  options: {
    ...commonOptions({ n: '100000', rate: '2000', latencySeconds: '10' }),
    'batch-size': { type: 'string', default: '10000' },
    'flush-seconds': { type: 'string', default: '1' },
    'latency-flush-seconds': { type: 'string', default: '0.1' },
    'statement-rows': { type: 'string', default: '5000' },
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
const BASELINE_STATEMENT_ROWS = Number(args['statement-rows']);
const CATALOG = 'memory';
const SCHEMA = 'default';
const TRINO_USER = 'ci';
const services = testServices();
const stamp = Date.now().toString(36);
const kafka = kafkaClient(services.kafkaBrokers);
const workerOptions = workerOptionsOf(args);

interface StatementResponse {
  nextUri?: string;
  data?: unknown[][];
  error?: { message: string };
}

/**
 * One statement over the REST protocol; its rows. nextUri is followed without a client-side pause:
 * the server holds each GET until the statement moves on (or about a second), so this does not spin.
 */
async function trino(sql: string): Promise<unknown[][]> {
  const headers = { 'X-Trino-User': TRINO_USER, 'X-Trino-Catalog': CATALOG, 'X-Trino-Schema': SCHEMA };
  let response = await fetch(`${services.trinoUrl}/v1/statement`, { method: 'POST', body: sql, headers, signal: AbortSignal.timeout(120_000) });
  const rows: unknown[][] = [];
  for (;;) {
    if (!response.ok) throw new Error(`Trino answered HTTP ${response.status} to ${sql.slice(0, 80)}`);
    const body = (await response.json()) as StatementResponse;
    if (body.error !== undefined) throw new Error(`Trino refused ${sql.slice(0, 80)}: ${body.error.message}`);
    if (body.data !== undefined) rows.push(...body.data);
    if (body.nextUri === undefined) return rows;
    response = await fetch(body.nextUri, { headers, signal: AbortSignal.timeout(120_000) });
  }
}

const qualified = (table: string): string => `${CATALOG}.${SCHEMA}.${table}`;

const trinoSink: SinkUnderTest = {
  async createTable(table) {
    await trino(`CREATE TABLE ${qualified(table)} (id BIGINT, category VARCHAR, value DOUBLE, ts BIGINT, note VARCHAR)`);
  },
  async dropTable(table) {
    await trino(`DROP TABLE IF EXISTS ${qualified(table)}`);
  },
  async rowCount(table) {
    const [row] = await trino(`SELECT count(*) FROM ${qualified(table)}`);
    return Number(row?.[0]);
  },
  spec(topic, table, consumerGroup, flushSeconds): DataFlowSpec {
    return {
      source: { type: 'kafka', config: { brokers: services.kafkaBrokers.split(','), topic, consumerGroup, startOffset: 'earliest' } },
      sink: {
        type: 'trino',
        config: { serverURL: services.trinoUrl, catalog: CATALOG, schema: SCHEMA, table, user: TRINO_USER, batchSize: BATCH_SIZE, batchFlushIntervalSeconds: flushSeconds },
      },
    };
  },
};

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** INSERT … SELECT * FROM UNNEST of rows [from, to), each column a typed array literal. */
function unnestInsert(table: string, from: number, to: number, ts: number): string {
  const ids: string[] = [];
  const categories: string[] = [];
  const values: string[] = [];
  const stamps: string[] = [];
  const notes: string[] = [];
  for (let id = from; id < to; id++) {
    const row = benchRow(id, ts);
    ids.push(String(row.id));
    categories.push(sqlString(row.category));
    values.push(`${row.value}E0`);
    stamps.push(String(row.ts));
    notes.push(sqlString(row.note));
  }
  const array = (items: string[], type: string): string => `CAST(ARRAY[${items.join(', ')}] AS ARRAY(${type}))`;
  return (
    `INSERT INTO ${qualified(table)} (id, category, value, ts, note) SELECT * FROM UNNEST(` +
    `${array(ids, 'bigint')}, ${array(categories, 'varchar')}, ${array(values, 'double')}, ${array(stamps, 'bigint')}, ${array(notes, 'varchar')})`
  );
}

interface Baseline {
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly statements: number;
}

/** The same N rows as direct UNNEST inserts of BASELINE_STATEMENT_ROWS rows, one statement at a time. */
async function unnestBaseline(run: string): Promise<Baseline> {
  const table = `h4_bench_trino_direct_${run}_${stamp}`;
  const ts = Date.now();
  const statements: string[] = [];
  for (let from = 0; from < N; from += BASELINE_STATEMENT_ROWS) statements.push(unnestInsert(table, from, Math.min(N, from + BASELINE_STATEMENT_ROWS), ts));
  await trinoSink.createTable(table);
  try {
    const started = performance.now();
    for (const statement of statements) await trino(statement);
    const seconds = (performance.now() - started) / 1000;
    const rows = await trinoSink.rowCount(table);
    if (rows !== N) throw new Error(`the direct inserts left ${rows} of ${N} rows`);
    return { seconds, rowsPerSecond: N / seconds, statements: statements.length };
  } finally {
    await trinoSink.dropTable(table).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const topic = `h4-bench-kafka-trino-${stamp}`;
  const machine = machineLine();
  console.error(`kafka → trino bench: ${N.toLocaleString('en-US')} messages (~${Buffer.byteLength(payload(N, Date.now()))} B) on ${PARTITIONS} partitions; ${machine}`);
  // The baseline runs before and after the worker's drain: the machine is shared, and the mean of
  // the two is the fairer comparison when the load changes during the run.
  const before = await unnestBaseline('before');
  console.error(`direct UNNEST baseline (before): ${formatRate(before.rowsPerSecond)} rows/s (${before.statements} statements)`);
  await createTopic(kafka, topic, PARTITIONS);
  let result: Throughput;
  try {
    const produceSeconds = await produceAll(kafka, topic, N, PARTITIONS, payload);
    console.error(`produced in ${produceSeconds.toFixed(1)} s`);
    result = await drain(trinoSink, kafka, { name: `trino-drain-${stamp}`, topic, table: `h4_bench_trino_${stamp}`, n: N, flushSeconds: FLUSH_SECONDS, worker: workerOptions });
  } finally {
    await deleteTopics(kafka, [topic]);
  }
  const after = await unnestBaseline('after');
  console.error(`direct UNNEST baseline (after): ${formatRate(after.rowsPerSecond)} rows/s`);
  logWorker(result);
  const lat: Latency | undefined =
    RATE > 0 && LATENCY_SECONDS > 0
      ? await latency(trinoSink, kafka, { name: `trino-latency-${stamp}`, topic: `h4-bench-trino-latency-${stamp}`, table: `h4_bench_trino_latency_${stamp}`, partitions: PARTITIONS, rate: RATE, seconds: LATENCY_SECONDS, flushSeconds: LATENCY_FLUSH_SECONDS, worker: workerOptions })
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
      workerLabel: 'worker (trino sink, memory catalog)',
      beforeLabel: `direct UNNEST baseline (${BASELINE_STATEMENT_ROWS.toLocaleString('en-US')} rows / statement), before the worker`,
      afterLabel: 'direct UNNEST baseline, after the worker',
      result,
      before,
      after,
    }),
  );
  if (lat !== undefined) console.log(latencyLine(lat));
}

await main();
