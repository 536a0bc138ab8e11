// Flow control of the Kafka source's read-ahead, driven through its eachBatch callback with fetch
// responses shaped like kafkajs' (no broker): kafkajs sends the next fetch only once eachBatch has
// returned for every batch of the previous response, so a read-ahead smaller than one response
// stalls fetching whenever the runtime is behind (bench/RESULTS.md, Kafka → PostgreSQL Run 3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { PluginContext } from '../../plugin.js';
import { silentLogger } from '../../runtime/silent-logger.js';
import { collected } from '../../runtime/gc-test-support.js';
import { FULL_BUFFER_WAIT_MS, KafkaSource, MAX_BYTES_PER_PARTITION, parseKafkaSourceConfig } from './source.js';

const TOPIC = 'h9-orders';
const PARTITIONS = 16;
/** The benchmark's records: ~210 bytes of JSON each. */
const VALUE = Buffer.from(JSON.stringify({ id: 1, category: 'books', value: 12.5, ts: 1764000000000, note: 'x'.repeat(140) }));

const ctx: PluginContext = {
  log: silentLogger,
  flow: { namespace: 'default', name: 'test' },
  secrets: { read: () => Promise.reject(new Error('no secrets in this test')) },
  checkpoints: { load: () => Promise.resolve(undefined), save: () => Promise.resolve() },
};

/** The private parts the test drives: kafkajs' callback and the state open() would set. */
interface Internals {
  onBatch(payload: EachBatchPayload): Promise<void>;
  topic: string;
  assigned: Set<number>;
  consumer: unknown;
}

function openedSource(config: Record<string, unknown> = {}): { source: KafkaSource; internals: Internals } {
  const source = new KafkaSource(parseKafkaSourceConfig({ brokers: ['127.0.0.1:1'], topic: TOPIC, ...config }), ctx);
  const internals = source as unknown as Internals;
  internals.topic = TOPIC;
  internals.assigned = new Set(Array.from({ length: PARTITIONS }, (_, partition) => partition));
  internals.consumer = { pause: () => undefined, resume: () => undefined };
  return { source, internals };
}

/** One partition's batch of `count` records from `first` on. */
function batch(partition: number, first: number, count: number): EachBatchPayload {
  const messages: KafkaMessage[] = [];
  for (let i = 0; i < count; i++) {
    messages.push({ offset: String(first + i), key: null, value: VALUE, timestamp: '1764000000000', attributes: 0, headers: {} });
  }
  return {
    batch: { topic: TOPIC, partition, highWatermark: String(first + count), messages },
    resolveOffset: () => undefined,
  } as unknown as EachBatchPayload;
}

/** Whether the callback's promise settles before `ms` (kafkajs may fetch again) or keeps kafkajs waiting. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

void describe('kafka source read-ahead', () => {
  void it('takes two whole 16-partition fetch responses without holding up the next fetch', async () => {
    const { internals } = openedSource();
    // A full response: every partition returns MAX_BYTES_PER_PARTITION of records.
    const perPartition = Math.floor(MAX_BYTES_PER_PARTITION / VALUE.length);
    for (let response = 0; response < 2; response++) {
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const accepted = await settlesWithin(internals.onBatch(batch(partition, response * perPartition, perPartition)), 100);
        assert.ok(accepted, `eachBatch of partition ${partition} in response ${response + 1} waited for room: the read-ahead is smaller than two fetch responses`);
      }
    }
  });

  void it('releases a waiting eachBatch as soon as read() makes room, not on the timer', async () => {
    const { source, internals } = openedSource({ readAheadRecords: 100 });
    const waiting = internals.onBatch(batch(0, 0, 150));
    assert.equal(await settlesWithin(waiting, 50), false, 'a full buffer must hold eachBatch');
    const started = performance.now();
    const messages = await source.read(100, new AbortController().signal);
    assert.equal(messages.length, 100);
    assert.ok(await settlesWithin(waiting, FULL_BUFFER_WAIT_MS / 2), 'eachBatch still waiting after read() freed room');
    assert.ok(performance.now() - started < FULL_BUFFER_WAIT_MS / 2);
    await source.close();
  });

  void it('holds eachBatch once readAheadBytes of keys and values are buffered', async () => {
    const { source, internals } = openedSource({ readAheadBytes: 65536 });
    const records = Math.ceil(65536 / VALUE.length);
    assert.equal(await settlesWithin(internals.onBatch(batch(0, 0, records)), 50), false, 'a byte budget reached must hold eachBatch');
    await source.close();
  });

  void it('lets go of a fetched batch once read() took all of it', async () => {
    const { source, internals } = openedSource();
    const handedOver = await (async (): Promise<WeakRef<object>> => {
      const first = batch(0, 0, 10);
      await internals.onBatch(first);
      await internals.onBatch(batch(1, 0, 10));
      return new WeakRef(first.batch.messages);
    })();
    const messages = await source.read(10, new AbortController().signal);
    assert.deepEqual(messages.map((m) => m.position.partition), Array.from({ length: 10 }, () => `${TOPIC}/0`));
    // The kafkajs records are views of a whole fetch response: holding them holds the response.
    assert.ok(await collected(handedOver), 'the source still holds kafkajs records it already handed out');
    await source.close();
  });
});
