// The measurement loop the Kafka → sink benchmarks share: a worker drains a topic backlog (msg/s,
// CPU-seconds per million, peak RSS), and an idle worker takes a steady rate (produce → commit
// latency). Progress is read from the consumer group's committed offsets (CommitWatch); the sink's
// own row count must match at the end, so a run that lost or duplicated rows fails.
import { cpus, loadavg } from 'node:os';
import type { DataFlowSpec } from '@dataflow/api';
import { CommitWatch } from './commit-watch.js';
import type { LatencySummary } from './commit-watch.js';
import type { KafkaClient } from './kafka-topic.js';
import { createTopic, deleteTopics, produceSteadily } from './kafka-topic.js';
import { payload } from './table-rows.js';
import { cpuSeconds, memoryBreakdown, peakRssMb, startWorker, relayTimeline, stopWorker, workerExit } from './worker-process.js';
import type { WorkerOptions } from './worker-process.js';

/** What a benchmark knows about its sink: the table, the worker spec, the rows it holds. */
export interface SinkUnderTest {
  createTable(table: string): Promise<void>;
  dropTable(table: string): Promise<void>;
  rowCount(table: string): Promise<number>;
  spec(topic: string, table: string, consumerGroup: string, flushSeconds: number): DataFlowSpec;
}

export interface Throughput {
  readonly rows: number;
  /** From the first commit to the last. */
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** From process start: includes Node start-up and the consumer group join. */
  readonly wallSeconds: number;
  /** Over the same span as rowsPerSecond, per million messages. */
  readonly cpuSecondsPerMillion: number;
  /** Everything the process used, start-up included. */
  readonly totalCpuSeconds: number;
  readonly peakRssMb: number;
  readonly memoryAtEndMb: Record<string, number>;
  readonly exitCode: number | null;
}

export interface Latency extends LatencySummary {
  readonly rate: number;
  readonly messages: number;
  readonly achievedRate: number;
}

export function machineLine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, load ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;
}

/** One worker drains the `n` messages of `topic` into a fresh table; fails unless the table ends with exactly `n` rows. */
export async function drain(sink: SinkUnderTest, kafka: KafkaClient, opts: { name: string; topic: string; table: string; n: number; flushSeconds: number; worker: WorkerOptions; timeoutMs?: number }): Promise<Throughput> {
  const group = `dataflow-bench-${opts.name}`;
  await sink.createTable(opts.table);
  const watch = new CommitWatch(kafka, group, opts.topic);
  await watch.start(50);
  const spawned = performance.now();
  const worker = await startWorker(opts.name, sink.spec(opts.topic, opts.table, group, opts.flushSeconds), opts.worker);
  const pid = worker.child.pid ?? -1;
  let firstAt = 0;
  let cpuAtFirst = 0;
  let committedAtFirst = 0;
  const deadline = spawned + (opts.timeoutMs ?? 30 * 60_000);
  try {
    for (;;) {
      const committed = watch.committedTotal();
      if (committed > 0 && firstAt === 0) {
        firstAt = performance.now();
        cpuAtFirst = await cpuSeconds(pid);
        committedAtFirst = committed;
      }
      if (committed >= opts.n) break;
      const exit = workerExit(worker);
      if (exit !== undefined) throw new Error(`the ${opts.name} worker ended (${exit}): ${worker.lines.slice(-5).join('\n')}`);
      if (performance.now() > deadline) throw new Error(`${opts.name}: only ${committed} of ${opts.n} messages committed in time; worker log: ${worker.lines.slice(-3).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const doneAt = performance.now();
    const cpu = await cpuSeconds(pid);
    const rss = await peakRssMb(pid);
    const memory = await memoryBreakdown(worker).catch(() => ({}));
    const exitCode = await stopWorker(worker);
    relayTimeline(worker, opts.name);
    const rows = await sink.rowCount(opts.table);
    if (rows !== opts.n) throw new Error(`${opts.name}: the table has ${rows} rows for ${opts.n} committed messages`);
    const seconds = (doneAt - firstAt) / 1000;
    const measured = opts.n - committedAtFirst;
    return {
      rows,
      seconds,
      rowsPerSecond: measured / seconds,
      wallSeconds: (doneAt - spawned) / 1000,
      // From the first commit on: the start-up (module loading, group join) is not per message.
      cpuSecondsPerMillion: ((cpu - cpuAtFirst) / measured) * 1e6,
      totalCpuSeconds: cpu,
      peakRssMb: rss,
      memoryAtEndMb: memory,
      exitCode,
    };
  } finally {
    await stopWorker(worker);
    await watch.stop();
    await sink.dropTable(opts.table).catch(() => undefined);
  }
}

/** A steady `rate` msg/s for `seconds` into an idle worker on a fresh topic: produce → offset commit. */
export async function latency(sink: SinkUnderTest, kafka: KafkaClient, opts: { name: string; topic: string; table: string; partitions: number; rate: number; seconds: number; flushSeconds: number; worker: WorkerOptions }): Promise<Latency> {
  const group = `dataflow-bench-${opts.name}`;
  await createTopic(kafka, opts.topic, opts.partitions);
  await sink.createTable(opts.table);
  const watch = new CommitWatch(kafka, group, opts.topic);
  await watch.start(10);
  const worker = await startWorker(opts.name, sink.spec(opts.topic, opts.table, group, opts.flushSeconds), opts.worker);
  const warmup = kafka.producer({ allowAutoTopicCreation: false });
  try {
    // Warm-up: the worker has joined its group and committed one message.
    await warmup.connect();
    await warmup.send({ topic: opts.topic, acks: 1, messages: [{ partition: 0, value: payload(-1, Date.now()) }] });
    await warmup.disconnect();
    const deadline = performance.now() + 120_000;
    while (watch.committedTotal() < 1) {
      if (workerExit(worker) !== undefined || performance.now() > deadline) throw new Error(`${opts.name}: the worker did not commit the warm-up message: ${worker.lines.slice(-5).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const produced = await produceSteadily(kafka, opts.topic, { rate: opts.rate, seconds: opts.seconds, partitions: opts.partitions, payload });
    const until = performance.now() + 300_000;
    while (watch.committedTotal() < produced.messages + 1) {
      if (workerExit(worker) !== undefined || performance.now() > until) throw new Error(`${opts.name}: ${watch.committedTotal()} of ${produced.messages + 1} committed`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const summary = watch.latency(produced.runs);
    if (summary.missing > 0) throw new Error(`${opts.name}: ${summary.missing} produced messages were never seen committed`);
    const rows = await sink.rowCount(opts.table);
    if (rows !== produced.messages + 1) throw new Error(`${opts.name}: the table has ${rows} rows for ${produced.messages + 1} messages`);
    return { rate: opts.rate, messages: produced.messages, achievedRate: produced.achievedRate, samples: summary.samples, p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, maxMs: summary.maxMs };
  } finally {
    await stopWorker(worker);
    await watch.stop();
    await sink.dropTable(opts.table).catch(() => undefined);
    await deleteTopics(kafka, [opts.topic]);
  }
}

export function formatRate(rowsPerSecond: number): string {
  return Math.round(rowsPerSecond).toLocaleString('en-US');
}

/** The command-line options every Kafka → sink benchmark takes (node:util parseArgs), with its own defaults. */
export function commonOptions(defaults: { n: string; rate: string; latencySeconds: string }) {
  return {
    n: { type: 'string', default: defaults.n },
    partitions: { type: 'string', default: '16' },
    rate: { type: 'string', default: defaults.rate },
    'latency-seconds': { type: 'string', default: defaults.latencySeconds },
    'cpu-prof': { type: 'string' },
    'worker-node-args': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  } as const;
}

/** The worker process options from commonOptions' `--cpu-prof` and `--worker-node-args`. */
export function workerOptionsOf(args: { readonly 'cpu-prof'?: string | undefined; readonly 'worker-node-args'?: string | undefined }): WorkerOptions {
  return { cpuProfDir: args['cpu-prof'], nodeArgs: args['worker-node-args'] };
}

/** The measured worker's row of a report table (rate, drain time, CPU, peak RSS). */
export function workerRow(label: string, result: Throughput): string {
  return `| ${label} | ${formatRate(result.rowsPerSecond)} | ${result.seconds.toFixed(1)} s (${result.wallSeconds.toFixed(1)} s from spawn) | ${result.cpuSecondsPerMillion.toFixed(1)} (${result.totalCpuSeconds.toFixed(1)} s in all) | ${result.peakRssMb.toFixed(0)} MB |`;
}

/** The worker's figures on stderr while the run goes on, memory at the end included. */
export function logWorker(result: Throughput): void {
  console.error(`worker: ${formatRate(result.rowsPerSecond)} msg/s, ${result.cpuSecondsPerMillion.toFixed(1)} CPU-s/M, peak RSS ${result.peakRssMb.toFixed(0)} MB (at the end: ${JSON.stringify(result.memoryAtEndMb)}), exit ${String(result.exitCode)}`);
}

/** The latency run on stderr while the run goes on. */
export function logLatency(lat: Latency): void {
  console.error(`latency at ${lat.rate} msg/s (achieved ${Math.round(lat.achievedRate)}): p50 ${lat.p50Ms.toFixed(1)} ms, p99 ${lat.p99Ms.toFixed(1)} ms, max ${lat.maxMs.toFixed(1)} ms`);
}

/** The latency run as the report's closing line. */
export function latencyLine(lat: Latency): string {
  return `Latency produce → commit at ${lat.rate.toLocaleString('en-US')} msg/s (${lat.messages.toLocaleString('en-US')} messages, achieved ${formatRate(lat.achievedRate)} msg/s): p50 ${lat.p50Ms.toFixed(1)} ms, p99 ${lat.p99Ms.toFixed(1)} ms, max ${lat.maxMs.toFixed(1)} ms`;
}

/** A run measured between two baseline runs (before and after the worker) and the worker's share of their mean. */
export interface BaselineComparison {
  readonly workerLabel: string;
  readonly beforeLabel: string;
  readonly afterLabel: string;
  readonly result: Throughput;
  readonly before: { readonly rowsPerSecond: number; readonly seconds: number };
  readonly after: { readonly rowsPerSecond: number; readonly seconds: number };
}

export function baselineShare(c: Pick<BaselineComparison, 'result' | 'before' | 'after'>): { baselineRate: number; share: number } {
  const baselineRate = (c.before.rowsPerSecond + c.after.rowsPerSecond) / 2;
  return { baselineRate, share: c.result.rowsPerSecond / baselineRate };
}

/** The report table of a baseline comparison, with the share against the 50 % target. */
export function baselineTable(c: BaselineComparison): string {
  const { baselineRate, share } = baselineShare(c);
  return [
    '| run | rows/s | drain time | worker CPU-s / 1M | peak RSS |',
    '|---|---:|---:|---:|---:|',
    workerRow(c.workerLabel, c.result),
    `| ${c.beforeLabel} | ${formatRate(c.before.rowsPerSecond)} | ${c.before.seconds.toFixed(1)} s | – | – |`,
    `| ${c.afterLabel} | ${formatRate(c.after.rowsPerSecond)} | ${c.after.seconds.toFixed(1)} s | – | – |`,
    '',
    `Worker / mean baseline (${formatRate(baselineRate)} rows/s): ${(share * 100).toFixed(0)} % (target ≥ 50 %: ${share >= 0.5 ? 'met' : 'missed'}); machine after the run: ${machineLine()}`,
  ].join('\n');
}
