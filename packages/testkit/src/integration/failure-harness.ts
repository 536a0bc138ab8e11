// Shared pieces of the failure tests that drive the REAL worker process from Kafka: a producer that
// keeps producing numbered rows (and survives a broker restart), the worker started and restarted
// from one rendered config, and assertion failures that carry the worker's last log lines.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';
import type { DataFlowSpec } from '@dataflow/api';
import type { RawRecord } from './kafka-helpers.js';
import { services } from './kafka-helpers.js';
import { WorkerProcess, writeWorkerConfig } from './worker-process.js';
import type { WorkerFlow } from './worker-process.js';

const { Kafka, logLevel } = kafkajs;

export const kafkaBrokers = (): string[] => services.kafkaBrokers.split(',');

/** Runtime defaults that bound what can be written but not yet committed when the worker dies. */
export const CHANNEL_BUFFER_SIZE = 100;
export const READ_BATCH_SIZE = 1000;
/** The sink batch size the failure tests configure. */
export const SINK_BATCH_SIZE = 500;
export const IN_FLIGHT_PER_CRASH = CHANNEL_BUFFER_SIZE + READ_BATCH_SIZE + SINK_BATCH_SIZE;

/** Row `id` of the failure tests: {id, category, value, ts}, keyed k<id>. */
export function numberedRow(id: number): { key: string; value: string } {
  return { key: `k${id}`, value: JSON.stringify({ id, category: `c${id % 7}`, value: id / 4, ts: Date.now() }) };
}

/**
 * Produces ids 0, 1, 2, … in batches until stopped; a failed send (broker restart) is retried
 * until it succeeds, so `produced` counts ids the broker acknowledged.
 */
export class SteadyProducer {
  produced = 0;
  failures = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly producer: Producer;
  private readonly topics: readonly string[];
  private readonly batch: number;
  private readonly intervalMs: number;
  private readonly makeRecord: (id: number) => RawRecord;

  constructor(topics: readonly string[], batch: number, intervalMs: number, makeRecord: (id: number) => RawRecord = numberedRow) {
    this.topics = topics;
    this.batch = batch;
    this.intervalMs = intervalMs;
    this.makeRecord = makeRecord;
    this.producer = new Kafka({ clientId: 'dataflow-failure-tests', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 } }).producer({ allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const messages = Array.from({ length: this.batch }, (_, i) => ({ ...this.makeRecord(this.produced + i) }));
      try {
        await this.producer.sendBatch({ acks: -1, topicMessages: this.topics.map((topic) => ({ topic, messages })) });
        this.produced += this.batch;
      } catch {
        this.failures++;
        await delay(250);
        continue;
      }
      await delay(this.intervalMs);
    }
  }

  /** Stops producing (idempotent) and resolves with the number of ids produced. */
  async stop(): Promise<number> {
    if (this.stopped) {
      await this.loop;
      return this.produced;
    }
    this.stopped = true;
    await this.loop;
    await this.producer.disconnect();
    return this.produced;
  }
}

/**
 * Renders `spec` once and hands `body` a function that starts a worker process on it (the same
 * config and state directory every time, like a restarted pod); every worker is killed at the end.
 */
export async function withWorker<T>(spec: DataFlowSpec, flow: WorkerFlow, body: (start: () => WorkerProcess) => Promise<T>): Promise<T> {
  const files = await writeWorkerConfig(flow, spec);
  const workers: WorkerProcess[] = [];
  try {
    return await body(() => {
      const worker = new WorkerProcess(files);
      workers.push(worker);
      return worker;
    });
  } finally {
    for (const worker of workers) await worker.stop('SIGKILL');
    await files.remove();
  }
}

/** Fails with `message` and the worker's last log lines. */
export function failWith(worker: WorkerProcess, message: string): never {
  assert.fail(`${message}\n--- worker log (last 30 lines) ---\n${worker.lines.slice(-30).join('\n')}`);
}

/** Runs `wait`; when it throws, fails with its message and the worker's log. */
export async function orFailWith(worker: WorkerProcess, wait: Promise<void>): Promise<void> {
  try {
    await wait;
  } catch (error) {
    failWith(worker, (error as Error).message);
  }
}

/** The worker's exit, or undefined when it still runs after `ms`. */
export async function exitWithin(worker: WorkerProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  const patience = new AbortController();
  const exit = await Promise.race([worker.exited, delay(ms, undefined, { signal: patience.signal }).catch(() => undefined)]);
  patience.abort();
  return exit;
}

/** One line of a file error sink, as far as the failure tests read it. */
export interface DeadLetter {
  readonly error: { readonly message: string; readonly stage: string; readonly position: { readonly offset: unknown } };
  readonly original_message: unknown;
}

/** The records of a file error sink (one JSON object per line; none when the file is absent). */
export async function readDeadLetters(path: string): Promise<DeadLetter[]> {
  const text = (await readFile(path, 'utf8').catch(() => '')).trim();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as DeadLetter);
}

/**
 * Asserts that the error sink holds exactly one record: the poison row with its exact payload, its
 * Kafka offset and a sink-stage reason matching `reason`. Returns it for further checks.
 */
export async function assertOnlyPoisonDeadLettered(path: string, poison: string, offset: number, reason: RegExp): Promise<DeadLetter> {
  const errors = await readDeadLetters(path);
  assert.equal(errors.length, 1, 'only the poison row is dead-lettered');
  const [dead] = errors;
  assert.ok(dead !== undefined);
  assert.deepEqual(dead.original_message, JSON.parse(poison), 'the exact payload of the poison row');
  assert.equal(String(dead.error.position.offset), String(offset));
  assert.match(dead.error.stage, /^sink/);
  assert.match(dead.error.message, reason);
  return dead;
}
