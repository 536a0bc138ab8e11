// Watches the committed offsets of the worker's consumer group (the Kafka source commits only after
// the sink has written a batch): how many messages are committed so far, and when each offset first
// showed up as committed. Sink-agnostic, so the ClickHouse and Trino benchmarks measure produce →
// commit the same way (resolution: the poll interval plus one OffsetFetch round trip).
import type { KafkaClient, ProducedRun } from './kafka-topic.js';

type Admin = ReturnType<KafkaClient['admin']>;

interface Observation {
  readonly at: number;
  /** Next offset to read, i.e. everything below it is committed. */
  readonly committed: number;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class CommitWatch {
  private readonly admin: Admin;
  private readonly groupId: string;
  private readonly topic: string;
  private readonly timeline = new Map<number, Observation[]>();
  private running = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;

  constructor(kafka: KafkaClient, groupId: string, topic: string) {
    this.admin = kafka.admin();
    this.groupId = groupId;
    this.topic = topic;
  }

  async start(intervalMs: number): Promise<void> {
    await this.admin.connect();
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.poll();
        } catch (error) {
          this.failure = error;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.admin.disconnect();
  }

  /** Messages committed over all partitions at the last poll (throws if polling failed). */
  committedTotal(): number {
    if (this.failure !== undefined) throw new Error(`polling the committed offsets of ${this.groupId} failed`, { cause: this.failure });
    let total = 0;
    for (const observations of this.timeline.values()) total += observations[observations.length - 1]?.committed ?? 0;
    return total;
  }

  /** Produce → first seen committed, per message of `runs`; messages never seen committed count as missing. */
  latency(runs: readonly ProducedRun[]): LatencySummary & { missing: number } {
    const samples: number[] = [];
    let missing = 0;
    for (const run of runs) {
      const observations = this.timeline.get(run.partition) ?? [];
      for (let offset = run.baseOffset; offset < run.baseOffset + run.count; offset++) {
        const seen = firstCovering(observations, offset);
        if (seen === undefined) missing++;
        else samples.push(seen.at - run.at);
      }
    }
    samples.sort((a, b) => a - b);
    const pick = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
    return { samples: samples.length, missing, p50Ms: pick(0.5), p99Ms: pick(0.99), maxMs: samples[samples.length - 1] ?? Number.NaN };
  }

  private async poll(): Promise<void> {
    const [result] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] });
    const at = performance.now();
    for (const { partition, offset } of result?.partitions ?? []) {
      const committed = Number(offset);
      if (committed < 0) continue;
      const observations = this.timeline.get(partition) ?? [];
      if (observations.length === 0) this.timeline.set(partition, observations);
      const last = observations[observations.length - 1];
      if (last === undefined || committed > last.committed) observations.push({ at, committed });
    }
  }
}

/** The first observation whose committed offset is past `offset` (observations ascend). */
function firstCovering(observations: readonly Observation[], offset: number): Observation | undefined {
  let lo = 0;
  let hi = observations.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((observations[mid] as Observation).committed > offset) hi = mid;
    else lo = mid + 1;
  }
  return observations[lo];
}
