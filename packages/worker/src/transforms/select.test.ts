import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_UTF8, build, run } from './test-support.js';

void describe('select', () => {
  void it('docs: simple field selection', () => {
    const t = build('select', { fields: ['id', 'name', 'email'] });
    assert.deepEqual(run(t, { id: 1, name: 'John Doe', email: 'john@example.com', password: 'secret', internal_id: 999 }), [
      { id: 1, name: 'John Doe', email: 'john@example.com' },
    ]);
  });

  void it('docs: nested fields give a flat result keyed by the last segment', () => {
    const t = build('select', { fields: ['user.id', '$.user.name', 'metadata.timestamp'] });
    const input = {
      user: { id: 1, name: 'John', email: 'john@example.com' },
      metadata: { timestamp: '2024-01-15T10:30:00Z', source: 'api' },
    };
    assert.deepEqual(run(t, input), [{ id: 1, name: 'John', timestamp: '2024-01-15T10:30:00Z' }]);
  });

  void it('keeps null values and whole subtrees; array indexes become keys', () => {
    assert.deepEqual(run(build('select', { fields: ['a', 'b', 'list[1]'] }), { a: null, b: { c: [1] }, list: ['x', 'y'] }), [{ a: null, b: { c: [1] }, 1: 'y' }]);
  });

  void it('nothing matching gives {} — never the original message (upstream leaked it)', () => {
    const t = build('select', { fields: ['id'] });
    assert.deepEqual(run(t, { password: 'secret' }), [{}]);
    assert.deepEqual(run(t, INVALID_UTF8), [{}]);
    assert.deepEqual(run(t, 'text'), [{}]);
    assert.deepEqual(run(t, [1, 2]), [{}]);
  });

  void it('two paths ending in the same key are a config error naming both', () => {
    assert.throws(() => build('select', { fields: ['user.id', 'order.id'] }), /config\.fields\[1\]: "order\.id" and "user\.id" would both be written to key "id"/);
  });

  void it('a key named __proto__ is kept as data', () => {
    const [out] = run(build('select', { fields: ['__proto__'] }), JSON.parse('{"__proto__":{"x":1}}') as never);
    assert.deepEqual(Object.keys(out as object), ['__proto__']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });
});
