// Avro through the Kafka connectors against the real broker and Schema Registry (Apicurio's
// Confluent-compatible API): static schema, registry wire format checked against an independent
// implementation (@kafkajs/confluent-schema-registry), undecodable records dead-lettered through the
// runtime and committed only afterwards, and a registry that is down when the source starts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import registryPackage from '@kafkajs/confluent-schema-registry';
import avsc from 'avsc';
import type { Message } from '@dataflow/worker';
import { ConnectionError, DataflowError, ErrorCode, KafkaSink, KafkaSource, parseKafkaSinkConfig, parseKafkaSourceConfig, runPipeline } from '@dataflow/worker';
import { testContext } from '../context.js';
import { MemorySink } from '../memory-sink.js';
import { makeMessage } from '../messages.js';
import { requireService, serviceSkipReason } from '../services.js';
import { committedOffsets, createTopic, kafkaAvailable, produce, readMessages, readTopic, services, uniqueName } from './kafka-helpers.js';

const { SchemaRegistry, SchemaType } = registryPackage;
const timeout = (): AbortSignal => AbortSignal.timeout(30_000);

const kafkaUp = await kafkaAvailable();
const registryUp = await requireService(
  'schema registry',
  async () => {
    const response = await fetch(`${services.schemaRegistry}/subjects`);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  },
  { address: services.schemaRegistry },
);

const schema = {
  type: 'record',
  name: 'Order',
  namespace: 'dataflow.test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'item', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'price', type: 'double' },
  ],
} as const;
const schemaText = JSON.stringify(schema);
const orders = [
  { id: 1, item: 'book', note: null, price: 12.5 },
  { id: 2, item: 'pen', note: 'blue', price: 1.25 },
];

const brokers = (): string[] => services.kafkaBrokers.split(',');

async function writeThroughSink(topic: string, extra: Record<string, unknown>, values: readonly object[]): Promise<void> {
  const sink = new KafkaSink(parseKafkaSinkConfig({ brokers: brokers(), topic, format: 'avro', ...extra }), testContext());
  try {
    await sink.open(timeout());
    const result = await sink.write(
      values.map((value, i) => makeMessage(value as Message['value'], { offset: i + 1 })),
      timeout(),
    );
    assert.deepEqual(result.failed, []);
  } finally {
    await sink.close();
  }
}

async function readThroughSource(topic: string, extra: Record<string, unknown>, count: number): Promise<Message[]> {
  const source = new KafkaSource(parseKafkaSourceConfig({ brokers: brokers(), topic, consumerGroup: uniqueName('group'), format: 'avro', ...extra }), testContext());
  try {
    await source.open(timeout());
    return await readMessages(source, count);
  } finally {
    await source.close();
  }
}

if (!kafkaUp) {
  void it('kafka avro integration', (t) => t.skip(serviceSkipReason('kafka', services.kafkaBrokers)));
} else {
  void describe('kafka avro with a static schema', () => {
    void it('the sink writes raw Avro and the source decodes it to JSON', async () => {
      const topic = uniqueName('avro-static');
      await createTopic(topic, 1);
      await writeThroughSink(topic, { avroSchema: schemaText }, orders);
      const type = avsc.Type.forSchema(schema as unknown as Parameters<typeof avsc.Type.forSchema>[0]);
      const raw = await readTopic(topic);
      assert.deepEqual(
        raw.map((r) => ({ ...(type.fromBuffer(r.value as Buffer) as object) })),
        orders,
        'plain Avro bodies, no wire-format header',
      );
      const messages = await readThroughSource(topic, { avroSchema: schemaText }, 2);
      assert.deepEqual(
        messages.map((m) => m.value),
        orders,
      );
    });

    void it('the sink rejects a record that does not match the schema and writes the others', async () => {
      const topic = uniqueName('avro-mismatch');
      await createTopic(topic, 1);
      const sink = new KafkaSink(parseKafkaSinkConfig({ brokers: brokers(), topic, format: 'avro', avroSchema: schemaText }), testContext());
      try {
        await sink.open(timeout());
        const batch = [makeMessage(orders[0] as Message['value'], { offset: 1 }), makeMessage({ id: 'x', item: 3 }, { offset: 2 }), makeMessage(orders[1] as Message['value'], { offset: 3 })];
        const result = await sink.write(batch, timeout());
        assert.deepEqual(
          result.failed.map((f) => f.index),
          [1],
        );
        assert.match(result.failed[0]?.error.message ?? '', /does not match the Avro schema: field id "x" does not match type long/);
      } finally {
        await sink.close();
      }
      assert.equal((await readTopic(topic)).length, 2);
    });

    void it('an undecodable record carries a decode error and its raw bytes, goes to the error sink, and is committed only after that', async () => {
      const topic = uniqueName('avro-poison');
      const group = uniqueName('group');
      await createTopic(topic, 1);
      const type = avsc.Type.forSchema(schema as unknown as Parameters<typeof avsc.Type.forSchema>[0]);
      const poison = Buffer.from('this is not avro');
      await produce(topic, [{ value: type.toBuffer(orders[0]) }, { value: poison }, { value: type.toBuffer(orders[1]) }]);

      // Directly: the source marks the record.
      const direct = await readThroughSource(topic, { avroSchema: schemaText }, 3);
      assert.equal(direct[1]?.decodeError?.code, ErrorCode.decode);
      assert.match(direct[1]?.decodeError?.message ?? '', /cannot decode Avro value with the static Avro schema/);
      assert.deepEqual(Buffer.from(direct[1]?.value as Uint8Array), poison);
      assert.equal(direct[0]?.decodeError, undefined);

      // Through the runtime: dead-lettered with base64 bytes, and the offset is committed only after.
      const source = new KafkaSource(parseKafkaSourceConfig({ brokers: brokers(), topic, consumerGroup: group, format: 'avro', avroSchema: schemaText }), testContext());
      const main = new MemorySink();
      const errors = new MemorySink();
      const stop = new AbortController();
      const run = runPipeline({
        source,
        sourceType: 'kafka',
        main: { name: 'main', type: 'memory', sink: main, batch: { maxSize: 10, maxAgeMs: 20 } },
        errors: { name: 'errors', type: 'memory', sink: errors, batch: { maxSize: 10, maxAgeMs: 20 } },
        signal: stop.signal,
      });
      try {
        const deadline = Date.now() + 30_000;
        while ((main.written < 2 || errors.written < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      } finally {
        stop.abort();
      }
      const summary = await run;
      assert.equal(summary.deadLettered, 1);
      assert.deepEqual(
        main.messages.map((m) => m.value),
        orders,
      );
      const record = errors.messages[0]?.value as { error: { stage: string; message: string; position: unknown }; original_message: { original_data_base64: string } };
      assert.equal(record.error.stage, 'decode');
      assert.deepEqual(record.error.position, { partition: `${topic}/0`, offset: '1' });
      assert.equal(record.original_message.original_data_base64, poison.toString('base64'));
      assert.equal((await committedOffsets(group, topic)).get(0), 3, 'all three committed, the poison record only after it was dead-lettered');
    });
  });

  void describe('kafka avro with the schema registry', () => {
    void it('registers <topic>-value, writes the Confluent wire format, and decodes both our records and another client’s', async (t) => {
      if (!registryUp) return t.skip(serviceSkipReason('schema registry', services.schemaRegistry));
      const topic = uniqueName('avro-registry');
      await createTopic(topic, 1);
      const registryConfig = { schemaRegistry: { url: services.schemaRegistry } };
      await writeThroughSink(topic, { ...registryConfig, avroSchema: schemaText }, orders);

      const other = new SchemaRegistry({ host: services.schemaRegistry });
      const raw = await readTopic(topic);
      assert.equal(raw[0]?.value?.[0], 0, 'magic byte');
      const decodedByOther = await Promise.all(raw.map((r) => other.decode(r.value as Buffer) as Promise<object>));
      assert.deepEqual(
        decodedByOther.map((v) => ({ ...v })),
        orders,
        'an independent client reads what we wrote',
      );
      const latest = await other.getLatestSchemaId(`${topic}-value`);
      const firstValue = raw[0]?.value;
      assert.ok(Buffer.isBuffer(firstValue));
      assert.equal(firstValue.readUInt32BE(1), latest, 'written with the id registered under <topic>-value');

      // A record written by the other client, then our source with the registry only.
      await produce(topic, [{ value: await other.encode(latest, { id: 3, item: 'ink', note: null, price: 2 }) }]);
      const messages = await readThroughSource(topic, registryConfig, 3);
      assert.deepEqual(
        messages.map((m) => m.value),
        [...orders, { id: 3, item: 'ink', note: null, price: 2 }],
      );
    });

    void it('the sink without a static schema uses the latest schema of the subject', async (t) => {
      if (!registryUp) return t.skip(serviceSkipReason('schema registry', services.schemaRegistry));
      const topic = uniqueName('avro-latest');
      await createTopic(topic, 1);
      const subject = uniqueName('orders-value');
      const other = new SchemaRegistry({ host: services.schemaRegistry });
      await other.register({ type: SchemaType.AVRO, schema: schemaText }, { subject });
      await writeThroughSink(topic, { schemaRegistry: { url: services.schemaRegistry }, subject }, orders);
      const raw = await readTopic(topic);
      assert.deepEqual(
        (await Promise.all(raw.map((r) => other.decode(r.value as Buffer) as Promise<object>))).map((v) => ({ ...v })),
        orders,
      );
    });

    void it('a record whose schema id the registry does not know is a decode error, the rest decodes', async (t) => {
      if (!registryUp) return t.skip(serviceSkipReason('schema registry', services.schemaRegistry));
      const topic = uniqueName('avro-unknown-id');
      await createTopic(topic, 1);
      const type = avsc.Type.forSchema(schema as unknown as Parameters<typeof avsc.Type.forSchema>[0]);
      const header = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]);
      await produce(topic, [{ value: Buffer.concat([header, type.toBuffer(orders[0])]) }]);
      await writeThroughSink(topic, { schemaRegistry: { url: services.schemaRegistry }, avroSchema: schemaText }, [orders[1] as object]);
      const [unknown, known] = await readThroughSource(topic, { schemaRegistry: { url: services.schemaRegistry } }, 2);
      assert.ok(unknown?.decodeError instanceof DataflowError);
      assert.match(unknown.decodeError.message, /schema id 2147483632 is not known to the schema registry/);
      assert.deepEqual(known?.value, orders[1]);
    });

    void it('a registry that is down when the source starts makes open() fail with a retriable ConnectionError', async () => {
      const topic = uniqueName('avro-down');
      await createTopic(topic, 1);
      const source = new KafkaSource(parseKafkaSourceConfig({ brokers: brokers(), topic, format: 'avro', schemaRegistry: { url: 'http://127.0.0.1:9/apis/ccompat/v7' } }), testContext());
      try {
        await assert.rejects(source.open(timeout()), (error: unknown) => error instanceof ConnectionError && error.retriable && /schema registry at http:\/\/127\.0\.0\.1:9\/apis\/ccompat\/v7 is unreachable/.test(error.message));
      } finally {
        await source.close();
      }
      const sink = new KafkaSink(parseKafkaSinkConfig({ brokers: brokers(), topic, format: 'avro', avroSchema: schemaText, schemaRegistry: { url: 'http://127.0.0.1:9' } }), testContext());
      try {
        await assert.rejects(sink.open(timeout()), ConnectionError);
      } finally {
        await sink.close();
      }
    });
  });
}
