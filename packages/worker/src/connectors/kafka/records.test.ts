import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePath } from '@dataflow/api';
import type { KafkaMessage } from 'kafkajs';
import { DataflowError, ErrorCode } from '../../errors.js';
import type { Message } from '../../message.js';
import { parseKafkaSinkConfig, chunkBounds } from './sink.js';
import { parseKafkaSourceConfig } from './source.js';
import { headerMap, jsonRecordValue, recordHeaders, recordKey, recordToMessage } from './records.js';

function kafkaMessage(overrides: Record<string, unknown> = {}): KafkaMessage {
  return {
    key: Buffer.from('user-1'),
    value: Buffer.from('{"id":1}'),
    timestamp: '1700000000123',
    attributes: 0,
    offset: '42',
    size: 0,
    headers: { trace: Buffer.from('abc'), multi: [Buffer.from('first'), 'last'] },
    ...overrides,
  } as KafkaMessage;
}

function message(value: Message['value'], overrides: Partial<Message> = {}): Message {
  return {
    id: 'm',
    position: { partition: 'p', offset: '1' },
    timestamp: new Date(0),
    key: null,
    value,
    headers: { trace: 'abc' },
    meta: { id: 7, table: 'orders', obj: { a: 'b' }, none: null },
    ...overrides,
  };
}

void describe('kafka record → message', () => {
  void it('carries topic, partition, offset, key, headers and timestamp as metadata', () => {
    const readAt = new Date();
    const out = recordToMessage('orders', 3, kafkaMessage(), { id: 1 }, readAt);
    assert.equal(out.id, 'orders/3@42');
    assert.deepEqual(out.position, { partition: 'orders/3', offset: '42' });
    assert.equal(out.key, 'user-1');
    assert.deepEqual(out.headers, { trace: 'abc', multi: 'last' });
    assert.equal(out.timestamp.toISOString(), '2023-11-14T22:13:20.123Z');
    assert.deepEqual(out.meta, { topic: 'orders', partition: 3, offset: 42, key: 'user-1', headers: { trace: 'abc', multi: 'last' }, timestamp: '2023-11-14T22:13:20.123Z' });
    assert.equal(out.decodeError, undefined);
  });

  void it('keeps a null key null and a non-UTF-8 key as bytes (base64 in meta)', () => {
    const nullKey = recordToMessage('t', 0, kafkaMessage({ key: null }), null, new Date());
    assert.equal(nullKey.key, null);
    assert.equal(nullKey.meta['key'], null);
    const binary = recordToMessage('t', 0, kafkaMessage({ key: Buffer.from([0xff, 0xfe]) }), null, new Date());
    assert.deepEqual(binary.key, Buffer.from([0xff, 0xfe]));
    assert.equal(binary.meta['key'], '//4=');
    assert.equal(binary.meta['key_encoding'], 'base64');
  });

  void it('attaches a decode error and falls back to the read time for a missing timestamp', () => {
    const readAt = new Date('2024-01-01T00:00:00Z');
    const error = new DataflowError(ErrorCode.decode, 'bad avro', false);
    const out = recordToMessage('t', 0, kafkaMessage({ timestamp: '-1' }), new Uint8Array([1]), readAt, error);
    assert.equal(out.decodeError, error);
    assert.equal(out.timestamp, readAt);
    assert.deepEqual(headerMap(undefined), {});
  });
});

void describe('message → kafka record', () => {
  void it('takes the key from the message, a payload path or a metadata key', () => {
    assert.equal(recordKey(message({ a: 1 }, { key: 'k' }), { kind: 'message' }), 'k');
    assert.equal(recordKey(message({ a: 1 }), { kind: 'message' }), null);
    assert.deepEqual(recordKey(message({ a: 1 }, { key: new Uint8Array([1, 2]) }), { kind: 'message' }), Buffer.from([1, 2]));
    const path = { kind: 'path' as const, path: parsePath('user.id') };
    assert.equal(recordKey(message({ user: { id: 'u-9' } }), path), 'u-9');
    assert.equal(recordKey(message({ user: { id: 12 } }), path), '12');
    assert.equal(recordKey(message({ user: { id: { x: 1 } } }), path), '{"x":1}');
    assert.equal(recordKey(message({ user: {} }), path), null);
    assert.equal(recordKey(message(new Uint8Array([1])), path), null);
    assert.equal(recordKey(message({}), { kind: 'metadata', name: 'table' }), 'orders');
    assert.equal(recordKey(message({}), { kind: 'metadata', name: 'id' }), '7');
    assert.equal(recordKey(message({}), { kind: 'metadata', name: 'obj' }), '{"a":"b"}');
    assert.equal(recordKey(message({}), { kind: 'metadata', name: 'none' }), null);
    assert.equal(recordKey(message({}), { kind: 'metadata', name: 'absent' }), null);
  });

  void it('forwards headers when asked, static headers winning', () => {
    assert.equal(recordHeaders(message({}), { forwardHeaders: false, staticHeaders: {} }), undefined);
    assert.deepEqual(recordHeaders(message({}), { forwardHeaders: true, staticHeaders: {} }), { trace: 'abc' });
    assert.deepEqual(recordHeaders(message({}), { forwardHeaders: true, staticHeaders: { trace: 'x', env: 'prod' } }), { trace: 'x', env: 'prod' });
    assert.deepEqual(recordHeaders(message({}), { forwardHeaders: false, staticHeaders: { env: 'prod' } }), { env: 'prod' });
  });

  void it('serialises JSON once, passes raw bytes, and writes JSON null as a tombstone', () => {
    assert.equal(jsonRecordValue({ a: [1, 'x'] })?.toString(), '{"a":[1,"x"]}');
    assert.deepEqual(jsonRecordValue(new Uint8Array([0, 1])), Buffer.from([0, 1]));
    assert.equal(jsonRecordValue(null), null);
  });
});

void describe('kafka connector configs', () => {
  void it('sink: key, headers, compression and subject', () => {
    const settings = parseKafkaSinkConfig({ key: { path: 'user.id' }, headers: { env: 'prod' }, forwardHeaders: true, compression: 'zstd' });
    assert.equal(settings.key.kind, 'path');
    assert.deepEqual(settings.staticHeaders, { env: 'prod' });
    assert.equal(settings.forwardHeaders, true);
    assert.equal(settings.idempotent, true);
    assert.throws(() => parseKafkaSinkConfig({ compression: 'lz4' }), /config\.compression lz4 is not supported/);
    assert.throws(() => parseKafkaSinkConfig({ key: { path: 'a', metadata: 'b' } }), /set exactly one of key\.path/);
    assert.throws(() => parseKafkaSinkConfig({ key: { path: 'a[' } }), /config\.key\.path is not a valid path/);
    assert.throws(() => parseKafkaSinkConfig({ subject: 's' }), /config\.subject is used only with schemaRegistry/);
    assert.throws(() => parseKafkaSinkConfig({ headers: { a: 1 } }), /config\.headers\.a must be a string/);
  });

  void it('source: fast-failover defaults, overridable', () => {
    const defaults = parseKafkaSourceConfig({});
    assert.deepEqual(
      { ...defaults, raw: undefined },
      { raw: undefined, startOffset: 'earliest', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 500, maxBytes: 10 * 1024 * 1024, readAheadRecords: 40_000, readAheadBytes: 8 * 1024 * 1024 },
    );
    const custom = parseKafkaSourceConfig({ startOffset: 'latest', sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3000, maxWaitTimeMs: 100 });
    assert.equal(custom.startOffset, 'latest');
    assert.equal(custom.rebalanceTimeoutMs, 30_000);
    const small = parseKafkaSourceConfig({ readAheadRecords: 5000, readAheadBytes: 1 << 20 });
    assert.deepEqual([small.readAheadRecords, small.readAheadBytes], [5000, 1 << 20]);
    assert.throws(() => parseKafkaSourceConfig({ readAheadRecords: 10 }), /config\.readAheadRecords/);
    assert.throws(() => parseKafkaSourceConfig({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 6000 }), /heartbeatIntervalMs must be below sessionTimeoutMs/);
    assert.throws(() => parseKafkaSourceConfig({ startOffset: 'middle' }), /config\.startOffset must be one of earliest, latest/);
  });

  void it('sink: size-bounded chunks, a big record alone', () => {
    const record = (bytes: number) => ({ key: null, value: Buffer.alloc(bytes) });
    assert.deepEqual(chunkBounds([record(10), record(10), record(10)], 25), [[0, 2], [2, 3]]);
    assert.deepEqual(chunkBounds([record(10), record(100), record(10)], 25), [[0, 1], [1, 2], [2, 3]]);
    assert.deepEqual(chunkBounds([], 25), []);
  });
});
