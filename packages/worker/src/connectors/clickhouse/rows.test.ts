import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../../errors.js';
import type { Message, Payload } from '../../message.js';
import { columnRow, rawRow } from './rows.js';

const message = (value: Payload, meta: Message['meta'] = {}): Message => ({
  id: 'p0@1', position: { partition: 'p0', offset: '1' }, timestamp: new Date(0), key: null, value, headers: {}, meta,
});

void describe('clickhouse rows', () => {
  void it('adapts nested values and booleans to the known column types', () => {
    const types = new Map([['tags', 'Nullable(String)'], ['active', 'UInt8'], ['arr', 'Array(Int32)']]);
    assert.deepEqual(columnRow(message({ tags: { a: 1 }, active: true, arr: [1, 2], other: { b: 2 } }), types), { tags: '{"a":1}', active: 1, arr: [1, 2], other: '{"b":2}' });
  });

  void it('keeps the keys before and after the first adapted value, and plain rows unchanged', () => {
    const types = new Map([['tags', 'String'], ['flag', 'UInt8']]);
    assert.deepEqual(columnRow(message({ id: 1, name: 'x', tags: ['a'], n: null, flag: false, last: 2 }), types), { id: 1, name: 'x', tags: '["a"]', n: null, flag: 0, last: 2 });
    assert.deepEqual(columnRow(message({ id: 1, name: 'x', value: 2.5, n: null }), types), { id: 1, name: 'x', value: 2.5, n: null });
  });

  void it('unwraps the value/_metadata envelope', () => {
    assert.deepEqual(columnRow(message({ value: { id: 1 }, _metadata: { offset: 3 } }), new Map()), { id: 1 });
    assert.deepEqual(rawRow(message({ value: { id: 1 }, _metadata: { offset: 3 } })), { data: '{"id":1}', _metadata: '{"offset":3}' });
    assert.deepEqual(rawRow(message([1, 2], { topic: 't' })), { data: '[1,2]', _metadata: '{"topic":"t"}' });
  });

  void it('rejects payloads that are not objects in column mode, naming the message', () => {
    assert.throws(() => columnRow(message('text'), new Map()), (e: Error) => e instanceof RecordError && /message p0@1 is string/.test(e.message));
    assert.throws(() => columnRow(message(new Uint8Array([1])), new Map()), /raw bytes/);
  });
});
