// Kafka side of the sink benchmarks: topics, a bulk producer (the backlog a worker drains) and a
// steady-rate producer that remembers when each offset was produced (for produce → commit latency).
import kafkajs from 'kafkajs';

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
const { Kafka, logLevel, CompressionTypes } = kafkajs;

export type KafkaClient = InstanceType<typeof Kafka>;

export function kafkaClient(brokers: string): KafkaClient {
  return new Kafka({ clientId: 'dataflow-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function createTopic(kafka: KafkaClient, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

/** Best effort: a benchmark that failed half-way still tries to clean up. */
export async function deleteTopics(kafka: KafkaClient, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/** Produces ids [0, n) round-robin over the partitions, several requests in flight; returns seconds. */
export async function produceAll(kafka: KafkaClient, topic: string, n: number, partitions: number, payload: (id: number, ts: number) => string): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  try {
    const chunk = 2000;
    const inFlight: Promise<unknown>[] = [];
    const ts = Date.now();
    for (let from = 0; from < n; from += chunk) {
      const messages = [];
      for (let id = from; id < Math.min(n, from + chunk); id++) messages.push({ partition: id % partitions, value: payload(id, ts) });
      inFlight.push(producer.send({ topic, acks: 1, compression: CompressionTypes.None, messages }));
      if (inFlight.length >= 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return (performance.now() - started) / 1000;
}

/** Offsets [baseOffset, baseOffset + count) of one partition, produced at `at` (performance.now()). */
export interface ProducedRun {
  readonly partition: number;
  readonly baseOffset: number;
  readonly count: number;
  readonly at: number;
}

export interface SteadyProduction {
  readonly messages: number;
  readonly achievedRate: number;
  readonly runs: ProducedRun[];
}

/**
 * `rate` msg/s for `seconds` (a send every 10 ms), ids from 0, round-robin over the partitions.
 * `payload` gets Date.now() as the produce time. Each send's offsets are recorded per partition.
 */
export async function produceSteadily(kafka: KafkaClient, topic: string, opts: { rate: number; seconds: number; partitions: number; payload: (id: number, ts: number) => string }): Promise<SteadyProduction> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((opts.rate * tickMs) / 1000));
    const total = Math.round(opts.rate * opts.seconds);
    const started = performance.now();
    const sends: Promise<void>[] = [];
    const runs: ProducedRun[] = [];
    let id = 0;
    for (let tick = 0; id < total; tick++) {
      const wait = started + tick * tickMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const messages = [];
      const now = Date.now();
      const at = performance.now();
      const counts = new Map<number, number>();
      for (let i = 0; i < perTick && id < total; i++, id++) {
        const partition = id % opts.partitions;
        counts.set(partition, (counts.get(partition) ?? 0) + 1);
        messages.push({ partition, value: opts.payload(id, now) });
      }
      sends.push(
        producer.send({ topic, acks: 1, messages }).then((metadata) => {
          for (const m of metadata) {
            const count = counts.get(m.partition) ?? 0;
            if (count > 0) runs.push({ partition: m.partition, baseOffset: Number(m.baseOffset), count, at });
          }
        }),
      );
    }
    await Promise.all(sends);
    return { messages: total, achievedRate: total / ((performance.now() - started) / 1000), runs };
  } finally {
    await producer.disconnect();
  }
}
