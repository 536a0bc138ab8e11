import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('hoistField', () => {
  void it('wraps any JSON payload under the key', () => {
    const t = build('hoistField', { field: 'data' });
    assert.deepEqual(run(t, { id: 1 }), [{ data: { id: 1 } }]);
    assert.deepEqual(run(t, [1]), [{ data: [1] }]);
    assert.deepEqual(run(t, null), [{ data: null }]);
    assert.deepEqual(run(t, 'x'), [{ data: 'x' }]);
  });

  void it('raw payloads pass through', () => {
    const msg = message(INVALID_UTF8);
    assert.deepEqual(build('hoistField', { field: 'data' }).apply(msg), [msg]);
  });

  void it('a key with dots or an empty key is a config error', () => {
    assert.throws(() => build('hoistField', { field: 'a.b' }), /config\.field: must be a top-level key without dots/);
    assert.throws(() => build('hoistField', { field: '' }), /config\.field: must be a non-empty string/);
  });
});
