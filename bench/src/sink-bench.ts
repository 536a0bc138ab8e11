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
