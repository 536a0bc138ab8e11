import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('remove', () => {
  void it('docs: removing sensitive fields', () => {
    const t = build('remove', { fields: ['password', 'creditCard', 'ssn'] });
    assert.deepEqual(run(t, { id: 1, name: 'John Doe', password: 'secret', creditCard: '1234-5678-9012-3456', ssn: '123-45-6789' }), [{ id: 1, name: 'John Doe' }]);
  });

  void it('docs: nested fields', () => {
    const t = build('remove', { fields: ['user.password', '$.metadata.internal'] });
    const input = { user: { id: 1, name: 'John', password: 'secret' }, metadata: { timestamp: '2024-01-15', internal: 'secret' } };
    assert.deepEqual(run(t, input), [{ user: { id: 1, name: 'John' }, metadata: { timestamp: '2024-01-15' } }]);
  });

  void it('array indexes refer to the original document, whatever the order listed', () => {
    const t = build('remove', { fields: ['items[0]', 'items[2]', 'items[1].x'] });
    assert.deepEqual(run(t, { items: ['a', { x: 1, y: 2 }, 'c', 'd'] }), [{ items: [{ y: 2 }, 'd'] }]);
    const parentFirst = build('remove', { fields: ['items[0]', 'items[0].x'] });
    assert.deepEqual(run(parentFirst, { items: [{ x: 1 }, { x: 2 }] }), [{ items: [{ x: 2 }] }]);
  });

  void it('missing fields: the same message comes back', () => {
    const msg = message({ a: 1 });
    assert.equal(build('remove', { fields: ['b', 'a.c'] }).apply(msg)[0], msg);
  });

  void it('raw payloads pass through; array roots lose elements', () => {
    const t = build('remove', { fields: ['[0]'] });
    const raw = message(INVALID_UTF8);
    assert.deepEqual(t.apply(raw), [raw]);
    assert.deepEqual(run(t, [1, 2]), [[2]]);
  });

  void it('requires fields', () => {
    assert.throws(() => build('remove', {}), /config\.fields: is required/);
  });
});
