import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('mask', () => {
  void it('docs: keepLength keeps the length', () => {
    const t = build('mask', { fields: ['password', 'email'], keepLength: true });
    assert.deepEqual(run(t, { id: 1, username: 'john', password: 'secret123', email: 'john@example.com' }), [
      { id: 1, username: 'john', password: '*********', email: '****************' },
    ]);
  });

  void it('docs: fixed length is three mask characters', () => {
    const t = build('mask', { fields: ['password'], keepLength: false, maskChar: 'X' });
    assert.deepEqual(run(t, { password: 'verylongpassword123' }), [{ password: 'XXX' }]);
  });

  void it('docs: nested fields', () => {
    const t = build('mask', { fields: ['user.password', 'payment.cardNumber'], keepLength: true });
    assert.deepEqual(run(t, { user: { password: 'secret' }, payment: { cardNumber: '1234567890123456' } }), [
      { user: { password: '******' }, payment: { cardNumber: '****************' } },
    ]);
  });

  void it('$. paths match (upstream silently ignored them) and every field stays masked', () => {
    const t = build('mask', { fields: ['$.a', '$.b.c', 'missing', 'list[1]'] });
    assert.deepEqual(run(t, { a: 'x', b: { c: 'y', d: 'z' }, list: ['p', 'q'] }), [{ a: '***', b: { c: '***', d: 'z' }, list: ['p', '***'] }]);
  });

  void it('counts characters, not UTF-8 bytes; multi-character masks repeat whole', () => {
    const t = build('mask', { fields: ['s'], keepLength: true, maskChar: '#-' });
    assert.deepEqual(run(t, { s: 'pässwörd😀' }), [{ s: '#-'.repeat(9) }]);
  });

  void it('non-strings are masked by the length of their JSON text', () => {
    const t = build('mask', { fields: ['n', 'b', 'z', 'o', 'a'], keepLength: true });
    assert.deepEqual(run(t, { n: 12345, b: false, z: null, o: { k: 1 }, a: [1, 2] }), [{ n: '*****', b: '*****', z: '****', o: '*******', a: '*****' }]);
    assert.deepEqual(run(build('mask', { fields: ['n'] }), { n: 12345 }), [{ n: '***' }]);
  });

  void it('leaves the input untouched and returns the same message when nothing matches', () => {
    const msg = message({ a: 1 });
    assert.equal(build('mask', { fields: ['b'] }).apply(msg)[0], msg);
  });

  void it('raw payloads pass through; array roots are masked by index', () => {
    const t = build('mask', { fields: ['[0]'] });
    const raw = message(INVALID_UTF8);
    assert.deepEqual(t.apply(raw), [raw]);
    assert.deepEqual(run(t, ['secret', 'x']), [['***', 'x']]);
  });

  void it('config errors', () => {
    assert.throws(() => build('mask', { fields: [] }), /config\.fields: must list at least one entry/);
    assert.throws(() => build('mask', { fields: ['a'], maskChar: '' }), /config\.maskChar: must not be empty/);
    assert.throws(() => build('mask', { fields: ['a', 'b[x'] }), /config\.fields\[1\]: invalid path/);
    assert.throws(() => build('mask', { fields: ['a'], keepLength: 'yes' }), /config\.keepLength: must be true or false/);
  });
});
