import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import type { JsonValue } from '../message.js';
import { INVALID_UTF8, build, message } from './test-support.js';

const source = { connector: 'postgresql', db: 'shop', table: 'users', ts_ms: 1705314600000, lsn: 42 };
const envelope = (op: string, before: JsonValue, after: JsonValue): JsonValue => ({ schema: { type: 'struct' }, payload: { op, before, after, source, ts_ms: 1 } });

void describe('debeziumUnwrap', () => {
  const plain = build('debeziumUnwrap', {});

  void it('c/u/r take payload.after, d takes payload.before; operation goes to (copied) metadata', () => {
    const cases: Array<[string, string, JsonValue]> = [
      ['c', 'insert', { id: 1, name: 'new' }],
      ['u', 'update', { id: 1, name: 'new' }],
      ['r', 'insert', { id: 1, name: 'new' }],
      ['d', 'delete', { id: 1, name: 'old' }],
    ];
    for (const [op, operation, row] of cases) {
      const msg = message(envelope(op, { id: 1, name: 'old' }, op === 'd' ? null : { id: 1, name: 'new' }));
      const [out] = plain.apply(msg);
      assert.deepEqual(out?.value, row, op);
      assert.equal(out?.meta['operation'], operation, op);
      assert.equal(out?.meta['topic'], 'orders');
      assert.equal(msg.meta['operation'], undefined);
    }
  });

  void it('accepts an envelope without the schema wrapper (op at the root)', () => {
    const [out] = plain.apply(message({ op: 'c', before: null, after: { id: 7 }, source }));
    assert.deepEqual(out?.value, { id: 7 });
  });

  void it('snapshotOperation update', () => {
    const [out] = build('debeziumUnwrap', { snapshotOperation: 'update' }).apply(message(envelope('r', null, { id: 1 })));
    assert.equal(out?.meta['operation'], 'update');
  });

  void it('addOperationFields, addSourceFields and includeSourceInMetadata', () => {
    const t = build('debeziumUnwrap', { addOperationFields: true, addSourceFields: ['table', 'lsn', 'missing'], includeSourceInMetadata: true });
    const [out] = t.apply(message(envelope('d', { id: 1 }, null)));
    assert.deepEqual(out?.value, { id: 1, __op: 'd', __deleted: 'true', source_table: 'users', source_lsn: 42 });
    assert.equal(out?.meta['source_db'], 'shop');
    assert.equal(out?.meta['source_ts_ms'], 1705314600000);
    const [created] = t.apply(message(envelope('c', null, { id: 2 })));
    assert.equal((created?.value as Record<string, unknown>)['__deleted'], 'false');
  });

  void it('no op → passthrough; raw bytes and non-objects → passthrough', () => {
    for (const value of [{ id: 1 }, { payload: { after: {} } }, INVALID_UTF8, [1], 'x']) {
      const msg = message(value);
      assert.deepEqual(plain.apply(msg), [msg]);
    }
  });

  void it('unknown ops and missing rows are record errors', () => {
    assert.throws(() => plain.apply(message(envelope('t', null, null))), (e: unknown) => e instanceof RecordError && /unsupported operation "t" at payload\.op/.test(e.message));
    assert.throws(() => plain.apply(message(envelope('c', null, null))), /operation "c" needs an object at payload\.after/);
  });

  void it('tombstones are dropped by default', () => {
    assert.deepEqual(plain.apply(message(new Uint8Array(0), { key: '{"id":1}' })), []);
    assert.deepEqual(plain.apply(message(null, { key: '{"id":1}' })), []);
  });

  void it('inferDeleteFromTombstone turns the JSON key into a delete', () => {
    const t = build('debeziumUnwrap', { inferDeleteFromTombstone: true, addOperationFields: true });
    const [out] = t.apply(message(null, { key: '{"schema":{},"payload":{"id":1}}' }));
    assert.deepEqual(out?.value, { id: 1, __op: 'd', __deleted: 'true' });
    assert.equal(out?.meta['operation'], 'delete');
    const [fromBytes] = t.apply(message(new Uint8Array(0), { key: new TextEncoder().encode('{"id":2}') }));
    assert.deepEqual(fromBytes?.value, { id: 2, __op: 'd', __deleted: 'true' });
    // Unparsable, missing or non-object keys drop the tombstone.
    assert.deepEqual(t.apply(message(null, { key: 'not json' })), []);
    assert.deepEqual(t.apply(message(null)), []);
    assert.deepEqual(t.apply(message(null, { key: '5' })), []);
  });

  void it('config errors', () => {
    assert.throws(() => build('debeziumUnwrap', { snapshotOperation: 'create' }), /config\.snapshotOperation: must be one of "insert", "update"/);
    assert.throws(() => build('debeziumUnwrap', { addSourceFields: 'table' }), /config\.addSourceFields: must be a list/);
  });
});
