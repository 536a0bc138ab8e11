// Shared pieces of the Kafka integration tests: unique names, topics made with the admin client
// (waitForLeaders, kafkajs pitfall 4), producing and reading back with plain kafkajs, and reading
// a KafkaSource until enough messages arrived. Every client is disconnected in `finally`
// (pitfall 2: a forgotten producer keeps Node alive for minutes).
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, IHeaders, KafkaConfig, KafkaMessage } from 'kafkajs';
import type { Message, Source } from '@dataflow/worker';
import { testServices } from '../services.js';
import { requireTcpService } from '../services.js';

// Before any producer exists: the v2 partitioner notice is noise here (pitfall 6).
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';

const { Kafka, logLevel } = kafkajs;

export const services = testServices();

/** True when the plaintext broker answers; on CI a missing broker throws (the test fails). */
export function kafkaAvailable(): Promise<boolean> {
  return requireTcpService('kafka', services.kafkaBrokers);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

function plainClient(extra: Partial<KafkaConfig> = {}): InstanceType<typeof Kafka> {
  return new Kafka({ clientId: 'dataflow-tests', brokers: services.kafkaBrokers.split(','), logLevel: logLevel.NOTHING, ...extra });
}

async function withAdmin<T>(body: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = plainClient().admin();
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(topic: string, partitions = 1, configEntries: Array<{ name: string; value: string }> = []): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }] });
  });
}

export interface RawRecord {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly headers?: IHeaders;
  readonly timestamp?: string;
}

/** Produces records with a plain kafkajs producer (acks=all). */
export async function produce(topic: string, records: readonly RawRecord[]): Promise<void> {
  const producer = plainClient().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records.map((r) => ({ ...r })) });
  } finally {
    await producer.disconnect();
  }
}

/** JSON records `{n: i}` for i in [from, from + count), keyed `k<i>`. */
export function numbered(from: number, count: number): RawRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: JSON.stringify({ n: from + i }) }));
}

export type ConsumedRecord = KafkaMessage & { readonly partition: number };

/**
 * Everything the topic holds right now, read with a throwaway consumer group from the start, in
 * offset order per partition (partitions one after another).
 */
export async function readTopic(topic: string, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
  const ends = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  const want = new Map<number, bigint>();
  for (const { partition, high, low } of ends) if (BigInt(high) > BigInt(low)) want.set(partition, BigInt(high) - 1n);
  if (want.size === 0) return [];
  const consumer = plainClient().consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const got = new Map<number, KafkaMessage[]>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readTopic(${topic}): not all records arrived within ${timeoutMs} ms`)), timeoutMs);
      const remaining = new Set(want.keys());
      void consumer
        .run({
          eachBatch: ({ batch }) => {
            const list = got.get(batch.partition) ?? [];
            list.push(...batch.messages);
            got.set(batch.partition, list);
            const last = batch.messages.at(-1);
            const end = want.get(batch.partition);
            if (last !== undefined && end !== undefined && BigInt(last.offset) >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return [...got.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([partition, records]) => records.map((record) => ({ ...record, partition })));
}

/** Committed offsets of a group on a topic, by partition (-1 = none). */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const result = await withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  const out = new Map<number, number>();
  for (const entry of result) for (const { partition, offset } of entry.partitions) out.set(partition, Number(offset));
  return out;
}

/** Reads from a source until `count` messages arrived (fails after `timeoutMs`). */
export async function readMessages(source: Source, count: number, timeoutMs = 20_000): Promise<Message[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  const out: Message[] = [];
  while (out.length < count) {
    const batch = await source.read(count - out.length, signal);
    if (batch.length === 0 && signal.aborted) throw new Error(`only ${out.length} of ${count} messages arrived within ${timeoutMs} ms`);
    out.push(...batch);
  }
  return out;
}

/** Reads for `ms` and returns whatever arrived (to show that nothing more comes). */
export async function readFor(source: Source, ms: number): Promise<Message[]> {
  const signal = AbortSignal.timeout(ms);
  const out: Message[] = [];
  while (!signal.aborted) out.push(...(await source.read(1000, signal)));
  return out;
}

/** Parsed JSON values of consumed records. */
export function jsonValues(records: readonly KafkaMessage[]): unknown[] {
  return records.map((record) => (record.value === null ? null : (JSON.parse(record.value.toString('utf8')) as unknown)));
}
