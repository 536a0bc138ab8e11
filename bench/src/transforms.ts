// Transform benchmark (not a test): ~200-byte JSON messages from an in-memory source through the real
// runtime (runPipeline: ack tracker, batcher, sink lanes) to in-memory sinks that keep nothing.
//   (a) no transformations
//   (b) filter → mask → select → snakeCase → timestamp
//   (c) a router with three routes (+ the main sink)
// plus the same with raw bytes decoded by the source (as a Kafka source does), and two baselines
// measured in the same process: serialising the messages only, and source → sink without the runtime.
// Prints msg/s, CPU seconds per million messages (process.cpuUsage: all threads, GC included) and the
// p99 of read → commit latency per message. Usage:
//   node bench/dist/transforms.js [--n 1000000] [--warmup 200000] [--only a,b,c] [--no-telemetry] [--json]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MemorySink } from '@dataflow/testkit';
import type { PipelineObserver, Payload, SinkBinding, TransformSpecLike } from '@dataflow/worker';
import { CountingObserver, DEFAULT_BATCH_POLICY, buildTransformChain, combineObservers, createWorkerMetrics, decodePayload, runPipeline } from '@dataflow/worker';
import { BenchSource } from './bench-source.js';
import { averageSerialisedSize, orderPayload, payloadBytesPool } from './payloads.js';

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly transforms: readonly TransformSpecLike[];
  /** The source decodes serialised bytes (JSON.parse per message) instead of building objects. */
  readonly raw: boolean;
}

interface Result {
  readonly id: string;
  readonly title: string;
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly cpuSecondsPerMillion: number;
  /** null for baselines without a commit. */
  readonly p99Ms: number | null;
  readonly p50Ms: number | null;
}

const discard = { type: 'memory', config: {} };
const CHAIN: readonly TransformSpecLike[] = [
  { type: 'filter', config: { condition: "$.status != 'test'" } },
  { type: 'mask', config: { fields: ['customer.email'] } },
  { type: 'select', config: { fields: ['orderId', 'status', 'customer', 'amount', 'region', 'createdAt'] } },
  { type: 'snakeCase', config: {} },
  { type: 'timestamp', config: { fieldName: 'processed_at' } },
];
const ROUTER: readonly TransformSpecLike[] = [
  {
    type: 'router',
    config: {
      routes: [
        { name: 'eu', condition: "$.region == 'eu-west-1'", sink: discard },
        { name: 'us', condition: "$.region == 'us-east-1'", sink: discard },
        { name: 'refunds', condition: "$.status == 'refunded' && $.amount > 100", sink: discard },
      ],
    },
  },
];

const SCENARIOS: readonly Scenario[] = [
  { id: 'a', title: '(a) no transformations', transforms: [], raw: false },
  { id: 'b', title: '(b) filter → mask → select → snakeCase → timestamp', transforms: CHAIN, raw: false },
  { id: 'c', title: '(c) router, 3 routes + main', transforms: ROUTER, raw: false },
  { id: 'a-raw', title: "(a') as (a), source decodes raw bytes", transforms: [], raw: true },
  { id: 'b-raw', title: "(b') as (b), source decodes raw bytes", transforms: CHAIN, raw: true },
];

const rawPool = payloadBytesPool(4096);
const rawPayload = (seq: number): Payload => decodePayload(rawPool[seq % rawPool.length] as Uint8Array);

function sinkBinding(name: string): SinkBinding {
  return { name, type: 'memory', sink: new MemorySink({ keepMessages: false }), batch: DEFAULT_BATCH_POLICY };
}

function percentileMs(samples: Float64Array, fraction: number): number {
  const sorted = samples.slice().sort();
  return (sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number) * 1000;
}

function measure<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return work().then((value) => {
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  });
}

function result(id: string, title: string, messages: number, seconds: number, cpuSeconds: number, latencies?: Float64Array): Result {
  return {
    id,
    title,
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    cpuSecondsPerMillion: (cpuSeconds / messages) * 1e6,
    p99Ms: latencies === undefined ? null : percentileMs(latencies, 0.99),
    p50Ms: latencies === undefined ? null : percentileMs(latencies, 0.5),
  };
}

async function runScenario(scenario: Scenario, n: number, telemetry: boolean): Promise<Result> {
  const source = new BenchSource(n, scenario.raw ? rawPayload : orderPayload);
  const transforms = buildTransformChain(scenario.transforms);
  const routes = transforms.flatMap((t) => t.routes ?? []).map((route) => sinkBinding(route.name));
  // The worker always runs its metrics and status counts; --no-telemetry shows what they cost.
  const observers: PipelineObserver[] = telemetry
    ? [createWorkerMetrics({ namespace: 'bench', name: scenario.id, sourceType: 'bench', processMetrics: false }).observer, new CountingObserver()]
    : [];
  const { value: summary, seconds, cpuSeconds } = await measure(() =>
    runPipeline({ source, sourceType: 'bench', transforms, main: sinkBinding('main'), routes, observer: combineObservers(...observers) }),
  );
  if (summary.committed !== n || source.acked !== n) {
    throw new Error(`${scenario.title}: committed ${summary.committed} of ${n} (source saw ${source.acked} acks)`);
  }
  return result(scenario.id, scenario.title, n, seconds, cpuSeconds, source.latencies);
}

/** Baseline 1: build and serialise each message, nothing else. */
async function stringifyOnly(n: number): Promise<Result> {
  let bytes = 0;
  const { seconds, cpuSeconds } = await measure(() => {
    for (let seq = 1; seq <= n; seq++) bytes += JSON.stringify(orderPayload(seq)).length;
    return Promise.resolve(bytes);
  });
  return result('stringify', 'baseline: build + JSON.stringify each message', n, seconds, cpuSeconds);
}

/** Baseline 2: the same source and sink, read → write(500) → ack by hand, without the runtime. */
async function sourceToSink(n: number): Promise<Result> {
  const source = new BenchSource(n, orderPayload);
  const sink = new MemorySink({ keepMessages: false });
  const signal = new AbortController().signal;
  await sink.open(signal);
  const { seconds, cpuSeconds } = await measure(async () => {
    while (!source.done()) {
      const batch = await source.read(1000);
      for (let i = 0; i < batch.length; i += 500) await sink.write(batch.slice(i, i + 500), signal);
      await source.ack(batch.map((m) => m.position));
    }
  });
  return result('direct', 'baseline: source → sink by hand, no runtime', n, seconds, cpuSeconds, source.latencies);
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} must be a positive integer, got ${text}`);
  return value;
}

function format(r: Result): string {
  const rate = Math.round(r.messagesPerSecond).toLocaleString('en-US').padStart(11);
  const cpu = r.cpuSecondsPerMillion.toFixed(2).padStart(8);
  const p99 = r.p99Ms === null ? '       -' : `${r.p99Ms.toFixed(1).padStart(6)} ms`;
  const p50 = r.p50Ms === null ? '       -' : `${r.p50Ms.toFixed(1).padStart(6)} ms`;
  return `${r.title.padEnd(54)} ${rate} ${cpu} ${p50} ${p99}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1000000' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      'no-telemetry': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const n = positiveInteger(values.n, 'n');
  const warmup = values.warmup === undefined ? Math.min(n, 200_000) : positiveInteger(values.warmup, 'warmup');
  const only = values.only?.split(',').map((s) => s.trim());
  const scenarios = only === undefined ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.id));
  if (scenarios.length === 0) throw new Error(`--only matched no scenario (known: ${SCENARIOS.map((s) => s.id).join(', ')})`);
  const telemetry = !values['no-telemetry'];

  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavg: loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
  };
  if (!values.json) {
    console.log(`transform benchmark: ${n.toLocaleString('en-US')} messages of ~${Math.round(averageSerialisedSize())} bytes, warm-up ${warmup.toLocaleString('en-US')}, telemetry ${telemetry ? 'on' : 'off'}`);
    console.log(`${machine.node} on ${machine.cores} × ${machine.cpu}; load ${machine.loadavg.join(' ')}; ${machine.date}`);
    console.log(`${'scenario'.padEnd(54)} ${'msg/s'.padStart(11)} ${'CPU s/1M'.padStart(8)} ${'p50'.padStart(9)} ${'p99'.padStart(9)}`);
  }
  const results: Result[] = [];
  const report = (r: Result): void => {
    results.push(r);
    if (!values.json) console.log(format(r));
  };

  await stringifyOnly(warmup);
  report(await stringifyOnly(n));
  await sourceToSink(warmup);
  report(await sourceToSink(n));
  for (const scenario of scenarios) {
    await runScenario(scenario, warmup, telemetry);
    report(await runScenario(scenario, n, telemetry));
  }
  if (values.json) console.log(JSON.stringify({ machine, messages: n, warmup, telemetry, results }, null, 2));
}

await main();
