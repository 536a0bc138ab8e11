import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import type { Message } from '../message.js';
import { buildErrorRecord } from './error-sink.js';

const at = new Date('2024-05-01T10:00:00.000Z');

function message(value: Message['value']): Message {
  return {
    id: 'orders/0@42',
    position: { partition: 'orders/0', offset: '42' },
    timestamp: new Date('2024-05-01T09:59:00.000Z'),
    key: 'k1',
    value,
    headers: { trace: 't-1' },
    meta: { topic: 'orders', partition: 0, headers: { trace: 't-1' } },
  };
}

void describe('buildErrorRecord', () => {
  void it('wraps a JSON message with the error, stage, sink, position and metadata', () => {
    const failed = message({ id: 7, amount: 'x' });
    const record = buildErrorRecord(failed, { stage: 'sink:main', error: new RecordError('amount: not a number'), originalSink: 'postgresql', at });
    assert.deepEqual(record.value, {
      error: {
        message: 'amount: not a number',
        stage: 'sink:main',
        timestamp: '2024-05-01T10:00:00.000Z',
        original_sink: 'postgresql',
        position: { partition: 'orders/0', offset: '42' },
        metadata: { topic: 'orders', partition: 0, headers: { trace: 't-1' } },
      },
      original_message: { id: 7, amount: 'x' },
    });
    assert.deepEqual(record.meta, {
      topic: 'orders',
      partition: 0,
      headers: { trace: 't-1' },
      error: 'amount: not a number',
      error_timestamp: '2024-05-01T10:00:00.000Z',
      error_stage: 'sink:main',
      original_sink: 'postgresql',
      is_error_message: true,
    });
    assert.equal(record.position, failed.position, 'commits with the failed position');
    assert.equal(record.key, 'k1');
    assert.equal(record.id, 'orders/0@42#error');
    assert.deepEqual(failed.meta, { topic: 'orders', partition: 0, headers: { trace: 't-1' } }, 'the failed message is untouched');
  });

  void it('keeps raw bytes losslessly as base64 next to their UTF-8 reading', () => {
    const bytes = Uint8Array.of(0x6e, 0x6f, 0x74, 0x20, 0xff, 0x6a, 0x73, 0x6f, 0x6e);
    const record = buildErrorRecord(message(bytes), { stage: 'decode', error: new Error('not JSON'), originalSink: 'file', at });
    const original = (record.value as { original_message: { original_data_base64: string; original_data: string } }).original_message;
    assert.deepEqual(Buffer.from(original.original_data_base64, 'base64'), Buffer.from(bytes));
    assert.equal(original.original_data, 'not \uFFFDjson');
  });

  void it('keeps a JSON scalar payload as it is', () => {
    const record = buildErrorRecord(message('just text'), { stage: 'transform:0:filter', error: 'boom', originalSink: 'kafka', at });
    assert.equal((record.value as { original_message: unknown }).original_message, 'just text');
    assert.equal((record.value as { error: { message: string } }).error.message, 'boom');
  });
});
