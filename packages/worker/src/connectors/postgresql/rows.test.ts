import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../../errors.js';
import type { Message, Payload } from '../../message.js';
import { messageRow, operationOf } from './rows.js';

function message(value: Payload, meta: Message['meta'] = {}): Message {
  return { id: 'p@1', position: { partition: 'p', offset: '1' }, timestamp: new Date(0), key: null, value, headers: {}, meta };
}

const columnMode = { rawMode: false, flattenMetadataColumns: false, flattenMetadataColumnsPrefix: '' };
const rawMode = { rawMode: true, flattenMetadataColumns: false, flattenMetadataColumnsPrefix: '' };
const flattened = { rawMode: true, flattenMetadataColumns: true, flattenMetadataColumnsPrefix: 'meta_' };

void describe('postgresql sink rows', () => {
  void it('uses the payload object as the row in column mode', () => {
    assert.deepEqual(messageRow(message({ id: 1, name: 'a' }), columnMode), { id: 1, name: 'a' });
  });

  void it('rejects payloads that are not JSON objects as record errors', () => {
    for (const value of [[1, 2], 'text', 5, null, new Uint8Array([0xff])] as Payload[]) {
      assert.throws(() => messageRow(message(value), columnMode), (error: unknown) => error instanceof RecordError && /not (a JSON object|JSON)/.test(error.message));
    }
  });

  void it('stores payload and metadata in rawMode, unwrapping {value, _metadata}', () => {
    assert.deepEqual(messageRow(message([1, 2], { topic: 't', offset: 3 }), rawMode), { data: [1, 2], _metadata: { topic: 't', offset: 3 } });
    assert.deepEqual(messageRow(message({ value: { a: 1 }, _metadata: { key: 'k' } }, { topic: 't' }), rawMode), { data: { a: 1 }, _metadata: { key: 'k' } });
    assert.deepEqual(messageRow(message({ value: 1, other: 2 }), rawMode), { data: { value: 1, other: 2 }, _metadata: {} }, 'only the exact wrapper shape is unwrapped');
    assert.throws(() => messageRow(message(new Uint8Array([0xff])), rawMode), RecordError);
  });

  void it('flattens metadata into prefixed columns', () => {
    assert.deepEqual(messageRow(message({ a: 1 }, { topic: 't', partition: 0 }), flattened), { data: { a: 1 }, meta_topic: 't', meta_partition: 0 });
  });

  void it('marks deletes only when softDeleteColumn is configured', () => {
    assert.equal(operationOf(message({}, { operation: 'delete' }), true), 'delete');
    assert.equal(operationOf(message({}, { operation: 'DELETE' }), true), 'delete');
    assert.equal(operationOf(message({}, { operation: 'update' }), true), 'write');
    assert.equal(operationOf(message({}, { operation: 'delete' }), false), 'write');
  });
});
