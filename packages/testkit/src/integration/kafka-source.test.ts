// Kafka source against the real broker (scripts/services/kafka.sh): conformance, metadata, ordered
// commits and resume after restart, start offsets.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import type { Message } from '@dataflow/worker';
import { KafkaSource, parseKafkaSourceConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { serviceSkipReason } from '../services.js';
import { sourceConformance } from '../source-conformance.js';
import { waitFor } from '../wait-for.js';
import { committedOffsets, createTopic, kafkaAvailable, numbered, produce, readFor, readMessages, services, uniqueName } from './kafka-helpers.js';

const available = await kafkaAvailable();

function source(topic: string, group: string, extra: Record<string, unknown> = {}): KafkaSource {
  return new KafkaSource(parseKafkaSourceConfig({ brokers: services.kafkaBrokers.split(','), topic, consumerGroup: group, ...extra }), testContext());
}

const opened = (s: KafkaSource): Promise<void> => s.open(AbortSignal.timeout(30_000));

if (!available) {
  void it('kafka source integration', (t) => t.skip(serviceSkipReason('kafka', services.kafkaBrokers)));
} else {
  sourceConformance(
    'kafka source',
    async () => {
      const topic = uniqueName('conformance-src');
      await createTopic(topic, 2);
      await produce(topic, numbered(0, 10));
      return { source: source(topic, uniqueName('group')) };
    },
    { finite: false, expected: 10, rejectsUndeliveredAck: true, timeoutMs: 30_000 },
  );

  void describe('kafka source', () => {
    void it('delivers value, key, headers and timestamp; null keys stay null; tombstones and non-JSON pass', async () => {
      const topic = uniqueName('meta');
      await createTopic(topic, 1);
      await produce(topic, [
        { key: 'user-1', value: JSON.stringify({ id: 1, name: 'Ann' }), headers: { trace: 'abc', origin: Buffer.from('svc') }, timestamp: '1700000000123' },
        { key: null, value: JSON.stringify({ id: 2 }) },
        { key: 'gone', value: null },
        { key: 'raw', value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) },
      ]);
      const s = source(topic, uniqueName('group'));
      try {
        await opened(s);
        const [first, second, tombstone, raw] = (await readMessages(s, 4)) as [Message, Message, Message, Message];
        assert.deepEqual(first.value, { id: 1, name: 'Ann' });
        assert.equal(first.key, 'user-1');
        assert.deepEqual(first.headers, { trace: 'abc', origin: 'svc' });
        assert.equal(first.timestamp.toISOString(), '2023-11-14T22:13:20.123Z');
        assert.deepEqual(first.position, { partition: `${topic}/0`, offset: '0' });
        assert.deepEqual(first.meta, {
          topic,
          partition: 0,
          offset: 0,
          key: 'user-1',
          headers: { trace: 'abc', origin: 'svc' },
          timestamp: '2023-11-14T22:13:20.123Z',
        });
        assert.equal(second.key, null);
        assert.equal(second.meta['key'], null, 'a null key is not turned into an empty string');
        assert.deepEqual(second.headers, {});
        assert.equal(tombstone.value, null);
        assert.deepEqual(Buffer.from(raw.value as Uint8Array), Buffer.from([0xde, 0xad, 0xbe, 0xef]));
        assert.equal(raw.decodeError, undefined, 'non-JSON bytes in json format are not a decode error');
      } finally {
        await s.close();
      }
    });

    void it('commits only acked offsets and a restarted consumer resumes right after the last ack', async () => {
      const topic = uniqueName('resume');
      const group = uniqueName('group');
      await createTopic(topic, 3);
      await produce(
        topic,
        Array.from({ length: 30 }, (_, i) => ({ value: JSON.stringify({ n: i }), partition: i % 3 })),
      );
      const first = source(topic, group);
      const acked = new Map<number, number>();
      try {
        await opened(first);
        const messages = await readMessages(first, 30);
        // Ack the first four of each partition, in order, in two calls.
        const byPartition = new Map<string, Message[]>();
        for (const m of messages) byPartition.set(m.position.partition, [...(byPartition.get(m.position.partition) ?? []), m]);
        const toAck = [...byPartition.values()].flatMap((list) => list.slice(0, 4));
        await first.ack(toAck.slice(0, 5).map((m) => m.position));
        await first.ack(toAck.slice(5).map((m) => m.position));
        for (const m of toAck) acked.set(m.meta['partition'] as number, Math.max(acked.get(m.meta['partition'] as number) ?? -1, Number(m.position.offset)));
      } finally {
        await first.close();
      }
      const committed = await committedOffsets(group, topic);
      assert.deepEqual([...committed.entries()].sort(), [[0, 4], [1, 4], [2, 4]], 'committed = last acked offset + 1 per partition');

      const second = source(topic, group);
      try {
        await opened(second);
        const resumed = await readMessages(second, 18);
        const firstOffsets = new Map<number, number>();
        for (const m of resumed) {
          const partition = m.meta['partition'] as number;
          if (!firstOffsets.has(partition)) firstOffsets.set(partition, Number(m.position.offset));
        }
        assert.deepEqual([...firstOffsets.entries()].sort(), [[0, 4], [1, 4], [2, 4]], 'each partition resumes right after its last acked offset');
        const values = resumed.map((m) => (m.value as { n: number }).n).sort((a, b) => a - b);
        assert.deepEqual(values, Array.from({ length: 30 }, (_, i) => i).filter((i) => Math.floor(i / 3) >= 4), 'nothing skipped, nothing acked delivered again');
        assert.deepEqual(await readFor(second, 500), [], 'no more records');
      } finally {
        await second.close();
      }
    });

    void it('never commits what was read but not acked', async () => {
      const topic = uniqueName('noack');
      const group = uniqueName('group');
      await createTopic(topic, 1);
      await produce(topic, numbered(0, 5));
      const s = source(topic, group);
      try {
        await opened(s);
        const messages = await readMessages(s, 5);
        await s.ack([]);
        await assert.rejects(s.ack([{ partition: `${topic}/0`, offset: '99' }]), /never delivered/);
        await assert.rejects(s.ack([{ partition: 'other/0', offset: '0' }]), /never delivered/);
        assert.equal(messages.length, 5);
      } finally {
        await s.close();
      }
      const committed = await committedOffsets(group, topic);
      assert.equal(committed.get(0), -1, 'nothing committed');
    });

    void it('startOffset latest reads only records produced after joining; earliest reads everything', async () => {
      const topic = uniqueName('start');
      await createTopic(topic, 1);
      await produce(topic, numbered(0, 3));
      const latest = source(topic, uniqueName('group'), { startOffset: 'latest' });
      try {
        await opened(latest);
        // The first fetch after the join resolves "latest"; nothing is there yet.
        assert.deepEqual(await readFor(latest, 1500), []);
        await produce(topic, numbered(3, 2));
        const fresh = await readMessages(latest, 2);
        assert.deepEqual(
          fresh.map((m) => m.value),
          [{ n: 3 }, { n: 4 }],
        );
        assert.deepEqual(await readFor(latest, 300), []);
      } finally {
        await latest.close();
      }
      const earliest = source(topic, uniqueName('group'), { startOffset: 'earliest' });
      try {
        await opened(earliest);
        const all = await readMessages(earliest, 5);
        assert.deepEqual(
          all.map((m) => m.value),
          [0, 1, 2, 3, 4].map((n) => ({ n })),
        );
      } finally {
        await earliest.close();
      }
    });

    void it('on a rebalance drops buffered records of revoked partitions and never commits for them', async () => {
      const topic = uniqueName('rebalance');
      const group = uniqueName('group');
      await createTopic(topic, 2);
      await produce(
        topic,
        Array.from({ length: 40 }, (_, i) => ({ value: JSON.stringify({ n: i }), partition: i % 2 })),
      );
      const a = source(topic, group);
      const b = source(topic, group);
      try {
        await opened(a);
        assert.deepEqual(a.assignment(), [0, 1]);
        // Let A fetch (and buffer) both partitions before B arrives; A hands nothing out yet.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await opened(b);
        await waitFor(() => a.assignment().length === 1, { timeoutMs: 15_000, intervalMs: 50, what: 'A keeps one partition after the rebalance' });
        const [kept] = a.assignment() as [number];
        assert.deepEqual(b.assignment(), [1 - kept]);

        const fromA = [...(await readMessages(a, 20)), ...(await readFor(a, 500))];
        assert.equal(fromA.length, 20, 'A hands out only what it still owns');
        assert.ok(fromA.every((m) => m.meta['partition'] === kept));
        // A stale ack for the revoked partition (as if it had been delivered before) is ignored.
        await a.ack([...fromA.map((m) => m.position), { partition: `${topic}/${1 - kept}`, offset: '5' }]);
        const committed = await committedOffsets(group, topic);
        assert.equal(committed.get(kept), 20);
        assert.equal(committed.get(1 - kept), -1, 'nothing committed for the partition A lost');

        const fromB = await readMessages(b, 20);
        assert.ok(fromB.every((m) => m.meta['partition'] === 1 - kept));
        assert.equal(fromB[0]?.position.offset, '0', 'B starts at the beginning of its partition');
      } finally {
        await b.close();
        await a.close();
      }
    });

    void it('after a member is SIGKILLed, a new member of the group gets its partitions within 15 s (ADR 0005)', async () => {
      const topic = uniqueName('crash');
      const group = uniqueName('group');
      await createTopic(topic, 2);
      await produce(topic, numbered(0, 6));
      const worker = new URL('../../../worker/dist/index.js', import.meta.url).href;
      const script = `
        const { KafkaSource, parseKafkaSourceConfig, silentLogger } = await import(${JSON.stringify(worker)});
        const ctx = { log: silentLogger, flow: { namespace: 'test', name: 'crash' }, secrets: { read: () => Promise.reject(new Error('none')) },
          checkpoints: { load: () => Promise.resolve(undefined), save: () => Promise.resolve() } };
        const source = new KafkaSource(parseKafkaSourceConfig(${JSON.stringify({ brokers: services.kafkaBrokers.split(','), topic, consumerGroup: group })}), ctx);
        await source.open(AbortSignal.timeout(30000));
        const got = await source.read(100, AbortSignal.timeout(30000));
        process.stdout.write('read ' + got.length + '\\n');
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => (chunk.toString().startsWith('read ') ? resolve() : undefined));
          child.once('exit', (code) => reject(new Error(`the crashing member exited early (${code})`)));
        });
      } finally {
        child.kill('SIGKILL');
      }
      const killedAt = performance.now();
      const successor = source(topic, group);
      try {
        await opened(successor);
        const messages = await readMessages(successor, 6, 20_000);
        const seconds = (performance.now() - killedAt) / 1000;
        assert.ok(seconds < 15, `the successor read everything ${seconds.toFixed(1)} s after the crash`);
        assert.deepEqual(
          messages.map((m) => (m.value as { n: number }).n).sort((x, y) => x - y),
          [0, 1, 2, 3, 4, 5],
          'nothing the crashed member read was lost (it never acked)',
        );
      } finally {
        await successor.close();
      }
    });

    void it('defaults the consumer group to <namespace>.<name> and closes quickly', async () => {
      const topic = uniqueName('group-default');
      await createTopic(topic, 1);
      await produce(topic, numbered(0, 1));
      const flow = { namespace: 'team-a', name: uniqueName('flow') };
      const s = new KafkaSource(parseKafkaSourceConfig({ brokers: services.kafkaBrokers.split(','), topic }), testContext({ flow }));
      await opened(s);
      const [message] = await readMessages(s, 1);
      await s.ack([(message as Message).position]);
      assert.equal(s.group, `team-a.${flow.name}`);
      const started = performance.now();
      await s.close();
      assert.ok(performance.now() - started < 3000, 'close() does not wait for a long poll');
      assert.equal((await committedOffsets(`team-a.${flow.name}`, topic)).get(0), 1);
    });
  });
}
