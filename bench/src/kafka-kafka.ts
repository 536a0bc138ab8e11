// Kafka → Kafka benchmark with three transforms (not a test), on the local Kafka of
// scripts/services/ (`source <(scripts/services/env.sh)`):
//   1. N JSON messages of ~200 bytes on a 16-partition topic;
//   2. one worker process runs filter → mask → timestamp into an output topic (idempotent producer,
//      acks=all): msg/s from the consumer group's committed offsets, worker CPU seconds per million,
//      peak RSS; the output topic must end with exactly N records;
//   3. latency at a steady rate: produce → offset commit (the source commits after the sink's send
//      was acknowledged);
//   4. baseline in the same run: a bare kafkajs consume → produce pipe (no decoding, no transforms,
//      idempotent producer, the same batch sizes) over the same N messages.
// Usage: node bench/dist/kafka-kafka.js [--n 1000000] [--partitions 16] [--rate 10000]
//        [--latency-seconds 20] [--cpu-prof <dir>] [--worker-node-args "…"] [--json]
import { parseArgs } from 'node:util';
import type { DataFlowSpec } from '@dataflow/api';
import { testServices } from '@dataflow/testkit';
import { createTopic, deleteTopics, kafkaClient, produceAll } from './kafka-topic.js';
import type { KafkaClient } from './kafka-topic.js';
import type { Latency, SinkUnderTest, Throughput } from './sink-bench.js';
import { commonOptions, drain, formatRate, latency, latencyLine, machineLine, workerOptionsOf, workerRow } from './sink-bench.js';
import { payload } from './table-rows.js';

const { values: args } = parseArgs({
  options: {
    ...commonOptions({ n: '1000000', rate: '10000', latencySeconds: '20' }),
  },
});
const N = Number(args.n);
const PARTITIONS = Number(args.partitions);
const RATE = Number(args.rate);
const LATENCY_SECONDS = Number(args['latency-seconds']);
const SEND_BATCH = 1000;
const services = testServices();
const brokers = services.kafkaBrokers.split(',');
const stamp = Date.now().toString(36);
const kafka = kafkaClient(services.kafkaBrokers);
const workerOptions = workerOptionsOf(args);

/** Records in a topic: the sum of its partitions' high watermarks (fresh topics start at 0). */
async function recordCount(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const kafkaSink: SinkUnderTest = {
  createTable: (topic) => createTopic(kafka, topic, PARTITIONS),
  dropTable: (topic) => deleteTopics(kafka, [topic]),
  rowCount: recordCount,
  spec(topic, outputTopic, consumerGroup, flushSeconds): DataFlowSpec {
    return {
      source: { type: 'kafka', config: { brokers, topic, consumerGroup, startOffset: 'earliest' } },
      transformations: [
        // Keeps every bench row (ts is the produce time): the condition is evaluated, nothing dropped.
        { type: 'filter', config: { condition: '$.ts > 0' } },
        { type: 'mask', config: { fields: ['note'] } },
        { type: 'timestamp', config: { fieldName: 'processed_at' } },
      ],
      sink: { type: 'kafka', config: { brokers, topic: outputTopic, batchSize: SEND_BATCH, batchFlushIntervalSeconds: flushSeconds } },
    };
  },
};

interface Baseline {
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** A bare kafkajs pipe: every fetched batch is sent on as it is (same bytes), then its offsets committed. */
async function pipeBaseline(client: KafkaClient, topic: string): Promise<Baseline> {
  const outputTopic = `bench-kafka-pipe-out-${stamp}`;
  await createTopic(client, outputTopic, PARTITIONS);
  const consumer = client.consumer({ groupId: `dataflow-bench-pipe-${stamp}`, maxBytes: 10 * 1024 * 1024 });
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  let copied = 0;
  let started = 0;
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            const { batch } = payload;
            if (started === 0) started = performance.now();
            for (let i = 0; i < batch.messages.length; i += SEND_BATCH) {
              const slice = batch.messages.slice(i, i + SEND_BATCH);
              await producer.send({ topic: outputTopic, acks: -1, messages: slice.map((m) => ({ key: m.key, value: m.value, partition: batch.partition })) });
              const last = slice[slice.length - 1];
              if (last !== undefined) payload.resolveOffset(last.offset);
            }
            await payload.commitOffsetsIfNecessary();
            copied += batch.messages.length;
            if (copied >= N) resolve();
          },
        })
        .catch(reject);
    });
    await done;
    const seconds = (performance.now() - started) / 1000;
    const landed = await recordCount(outputTopic);
    if (landed !== N) throw new Error(`the kafkajs pipe wrote ${landed} of ${N} records`);
    return { seconds, rowsPerSecond: N / seconds };
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
    await deleteTopics(client, [outputTopic]);
  }
}

async function main(): Promise<void> {
  const topic = `bench-kafka-kafka-${stamp}`;
  const machine = machineLine();
  console.error(`kafka → kafka bench: ${N.toLocaleString('en-US')} messages (~${Buffer.byteLength(payload(N, Date.now()))} B) on ${PARTITIONS} partitions; ${machine}`);
  let result: Throughput;
  let baseline: Baseline;
  await createTopic(kafka, topic, PARTITIONS);
  try {
    const produceSeconds = await produceAll(kafka, topic, N, PARTITIONS, payload);
    console.error(`produced in ${produceSeconds.toFixed(1)} s`);
    baseline = await pipeBaseline(kafka, topic);
    console.error(`kafkajs pipe baseline: ${formatRate(baseline.rowsPerSecond)} msg/s`);
    result = await drain(kafkaSink, kafka, { name: `kafka-drain-${stamp}`, topic, table: `bench-kafka-out-${stamp}`, n: N, flushSeconds: 1, worker: workerOptions });
  } finally {
    await deleteTopics(kafka, [topic]);
  }
  console.error(`worker: ${formatRate(result.rowsPerSecond)} msg/s, ${result.cpuSecondsPerMillion.toFixed(1)} CPU-s/M, peak RSS ${result.peakRssMb.toFixed(0)} MB, exit ${String(result.exitCode)}`);
  const lat: Latency | undefined =
    RATE > 0 && LATENCY_SECONDS > 0
      ? await latency(kafkaSink, kafka, { name: `kafka-latency-${stamp}`, topic: `bench-kafka-latency-${stamp}`, table: `bench-kafka-latency-out-${stamp}`, partitions: PARTITIONS, rate: RATE, seconds: LATENCY_SECONDS, flushSeconds: 0.05, worker: workerOptions })
      : undefined;
  const share = result.rowsPerSecond / baseline.rowsPerSecond;
  if (args.json) {
    console.log(JSON.stringify({ date: new Date().toISOString(), machine, n: N, partitions: PARTITIONS, throughput: result, latency: lat, baseline, shareOfBaseline: share }, null, 2));
    return;
  }
  console.log(
    [
      '| run | msg/s | drain time | worker CPU-s / 1M | peak RSS |',
      '|---|---:|---:|---:|---:|',
      workerRow('worker: filter → mask → timestamp, kafka sink', result),
      `| baseline: bare kafkajs consume → produce pipe | ${formatRate(baseline.rowsPerSecond)} | ${baseline.seconds.toFixed(1)} s | – | – |`,
      '',
      `Worker / baseline: ${(share * 100).toFixed(0)} %; machine after the run: ${machineLine()}`,
    ].join('\n'),
  );
  if (lat !== undefined) console.log(latencyLine(lat));
}

await main();
