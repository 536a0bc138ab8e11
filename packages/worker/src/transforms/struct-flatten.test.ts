import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import { INVALID_UTF8, build, deepObject, message, run } from './test-support.js';

void describe('structFlatten', () => {
  void it('joins nested keys with "." by default; arrays stay values; empty objects vanish', () => {
    const input = { id: 1, user: { name: 'n', address: { city: 'c' }, tags: ['a', { x: 1 }] }, empty: {}, n: null };
    assert.deepEqual(run(build('structFlatten', {}), input), [{ id: 1, 'user.name': 'n', 'user.address.city': 'c', 'user.tags': ['a', { x: 1 }], n: null }]);
  });

  void it('custom delimiter', () => {
    assert.deepEqual(run(build('structFlatten', { delimiter: '__' }), { a: { b: 1 } }), [{ a__b: 1 }]);
  });

  void it('64 levels flatten; deeper is a record error (depth 1000 too, without crashing)', () => {
    const t = build('structFlatten', {});
    const [out] = run(t, deepObject(64, 'k'));
    assert.equal(Object.keys(out as object).length, 64 + 1);
    assert.throws(() => run(t, deepObject(65, 'k')), (e: unknown) => e instanceof RecordError && /deeper than 64 levels/.test(e.message));
    assert.throws(() => run(t, deepObject(1000, 'k')), RecordError);
  });

  void it('two fields flattening to one key are a record error', () => {
    assert.throws(() => run(build('structFlatten', {}), { 'a.b': 1, a: { b: 2 } }), /two fields flatten to the same key "a\.b"/);
  });

  void it('raw payloads and non-object roots pass through', () => {
    const t = build('structFlatten', {});
    for (const value of [INVALID_UTF8, [{ a: { b: 1 } }], 'x', null]) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
  });

  void it('an explicit empty delimiter is rejected; {} is a valid config', () => {
    assert.throws(() => build('structFlatten', { delimiter: '' }), /config\.delimiter: must not be empty/);
    assert.doesNotThrow(() => build('structFlatten', {}));
  });
});
