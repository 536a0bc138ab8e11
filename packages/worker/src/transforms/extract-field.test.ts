import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('extractField', () => {
  void it('replaces the payload with the value at the path: object, array, scalar or null', () => {
    const t = build('extractField', { field: '$.payload.after' });
    assert.deepEqual(run(t, { payload: { after: { id: 1 } } }), [{ id: 1 }]);
    assert.deepEqual(run(t, { payload: { after: [1, 2] } }), [[1, 2]]);
    assert.deepEqual(run(t, { payload: { after: 'x' } }), ['x']);
    assert.deepEqual(run(t, { payload: { after: null } }), [null]);
  });

  void it('works on array roots by index', () => {
    assert.deepEqual(run(build('extractField', { field: '[1].v' }), [{ v: 1 }, { v: 2 }]), [2]);
  });

  void it('missing path, raw bytes and scalars pass through unchanged', () => {
    const t = build('extractField', { field: 'a.b' });
    for (const value of [{ a: {} }, { a: 'text' }, INVALID_UTF8, 5]) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
  });

  void it('requires a field that names something below the root', () => {
    assert.throws(() => build('extractField', {}), /config\.field: is required/);
    assert.throws(() => build('extractField', { field: '$' }), /names the whole message/);
  });
});
