// Kafka sink against the real broker: conformance, compression codecs, keys and headers, and
// isolation of records the broker rejects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import type { Message } from '@dataflow/worker';
import { KafkaSink, parseKafkaSinkConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { makeMessage } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { sinkConformance } from '../sink-conformance.js';
import { createTopic, jsonValues, kafkaAvailable, readTopic, services, uniqueName } from './kafka-helpers.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;
const available = await kafkaAvailable();

function sink(topic: string, extra: Record<string, unknown> = {}): KafkaSink {
  return new KafkaSink(parseKafkaSinkConfig({ brokers: services.kafkaBrokers.split(','), topic, ...extra }), testContext());
}

const timeout = (): AbortSignal => AbortSignal.timeout(30_000);

/** Above the broker's default 1 MiB batch limit. */
const oversized = { blob: 'x'.repeat(1_200_000) };

function message(value: Message['value'], overrides: Partial<Message> = {}, offset = 1): Message {
  return { ...makeMessage(value, { offset }), ...overrides };
}

type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
type CodecSlot = typeof CompressionTypes.GZIP | typeof CompressionTypes.Snappy | typeof CompressionTypes.ZSTD;

/** Wraps a kafkajs codec to count decompressions: proof that the batches really were compressed with it. */
function countDecompressions(type: CodecSlot): { count: () => number; restore: () => void } {
  const original = CompressionCodecs[type] as () => Codec;
  let calls = 0;
  CompressionCodecs[type] = () => {
    const codec = original();
    return {
      compress: (encoder: { buffer: Buffer }) => codec.compress(encoder),
      decompress: (buffer: Buffer) => {
        calls++;
        return codec.decompress(buffer);
      },
    };
  };
  return { count: () => calls, restore: () => (CompressionCodecs[type] = original) };
}

if (!available) {
  void it('kafka sink integration', (t) => t.skip(serviceSkipReason('kafka', services.kafkaBrokers)));
} else {
  sinkConformance(
    'kafka sink',
    async () => {
      const topic = uniqueName('conformance-sink');
      await createTopic(topic, 1);
      return { sink: sink(topic), written: async () => jsonValues(await readTopic(topic)) };
    },
    { rejectable: oversized, timeoutMs: 30_000 },
  );

  void describe('kafka sink', () => {
    for (const [compression, type] of [
      ['gzip', CompressionTypes.GZIP],
      ['snappy', CompressionTypes.Snappy],
      ['zstd', CompressionTypes.ZSTD],
    ] as const) {
      void it(`writes ${compression}-compressed batches that read back intact`, async () => {
        const topic = uniqueName(`codec-${compression}`);
        await createTopic(topic, 1);
        const s = sink(topic, { compression });
        const payloads = Array.from({ length: 200 }, (_, i) => ({ id: i, category: 'books', text: 'lorem ipsum '.repeat(5) }));
        try {
          await s.open(timeout());
          const result = await s.write(
            payloads.map((p, i) => message(p, {}, i + 1)),
            timeout(),
          );
          assert.deepEqual(result.failed, []);
        } finally {
          await s.close();
        }
        const spy = countDecompressions(type);
        try {
          assert.deepEqual(jsonValues(await readTopic(topic)), payloads);
          assert.ok(spy.count() > 0, `the batches were ${compression}-compressed`);
        } finally {
          spy.restore();
        }
      });
    }

    void it('takes keys from a payload path, a metadata key or the message; adds static and forwarded headers; keeps timestamps', async () => {
      const topic = uniqueName('keys');
      await createTopic(topic, 1);
      const at = new Date('2024-05-06T07:08:09.010Z');
      const byPath = sink(topic, { key: { path: 'user.id' }, headers: { env: 'test' }, forwardHeaders: true });
      const byMeta = sink(topic, { key: { metadata: 'table' } });
      const own = sink(topic);
      try {
        for (const s of [byPath, byMeta, own]) await s.open(timeout());
        await byPath.write([message({ user: { id: 'u-1' } }, { headers: { trace: 't1', env: 'lost' }, timestamp: at }), message({ user: { id: 42 } }), message({ other: true })], timeout());
        await byMeta.write([message({ a: 1 }, { meta: { table: 'orders' } })], timeout());
        await own.write([message({ b: 1 }, { key: 'own-key' }), message({ b: 2 }, { key: null }), message(null, { key: 'deleted' })], timeout());
      } finally {
        for (const s of [byPath, byMeta, own]) await s.close();
      }
      const records = await readTopic(topic);
      const keys = records.map((r) => (r.key === null ? null : r.key.toString()));
      assert.deepEqual(keys, ['u-1', '42', null, 'orders', 'own-key', null, 'deleted']);
      const first = records[0];
      assert.ok(first !== undefined);
      assert.deepEqual(
        Object.fromEntries(Object.entries(first.headers ?? {}).map(([k, v]) => [k, String(v)])),
        { trace: 't1', env: 'test' },
        'forwarded headers, static ones win',
      );
      assert.equal(first.timestamp, String(at.getTime()), 'the message timestamp becomes the record timestamp');
      assert.deepEqual(records[3]?.headers, {}, 'no headers unless configured');
      assert.equal(records[6]?.value, null, 'a JSON null payload is written as a tombstone');
    });

    void it('isolates a record the broker rejects and writes the rest, across partitions', async () => {
      const topic = uniqueName('isolate');
      await createTopic(topic, 3);
      const s = sink(topic);
      const batch = Array.from({ length: 12 }, (_, i) => message(i === 7 ? oversized : { n: i }, { key: `k${i}` }, i + 1));
      try {
        await s.open(timeout());
        const result = await s.write(batch, timeout());
        assert.deepEqual(
          result.failed.map((f) => f.index),
          [7],
        );
        const failure = result.failed[0];
        assert.equal(failure?.error.retriable, false);
        assert.match(failure?.error.message ?? '', /broker rejected the record.*MESSAGE_TOO_LARGE|larger than|too large/i);
        // The sink keeps working after the isolation (fresh producer).
        assert.deepEqual((await s.write([message({ n: 99 }, { key: 'after' }, 13)], timeout())).failed, []);
      } finally {
        await s.close();
      }
      const values = jsonValues(await readTopic(topic)) as Array<{ n: number }>;
      const seen = new Set(values.map((v) => v.n));
      assert.deepEqual(
        [...seen].sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 99],
        'every good record was written (duplicates allowed: at-least-once)',
      );
      assert.ok(!values.some((v) => 'blob' in v), 'the oversized record was not written');
    });

    void it('refuses lz4 when the flow is built', () => {
      assert.throws(() => parseKafkaSinkConfig({ brokers: ['a:1'], topic: 't', compression: 'lz4' }), /config\.compression lz4 is not supported/);
    });
  });
}
