import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.js';
import { INVALID_UTF8, build, message } from './test-support.js';

function kept(condition: string, values: unknown[]): boolean[] {
  const t = build('filter', { condition });
  return values.map((v) => t.apply(message(v as never)).length === 1);
}

void describe('filter', () => {
  void it('docs: $.active truthiness (missing field is dropped)', () => {
    assert.deepEqual(kept('$.active', [{ id: 1, active: true }, { id: 2, active: false }, { id: 3 }]), [true, false, false]);
  });

  void it('docs: $.level — non-empty strings pass, "" and null do not', () => {
    assert.deepEqual(kept('$.level', [{ level: 'error' }, { level: 'warning' }, { level: '' }, { level: null }]), [true, true, false, false]);
  });

  void it('docs: $.amount — zero is falsy, negative numbers pass', () => {
    assert.deepEqual(kept('$.amount', [{ amount: 100 }, { amount: 0 }, { amount: -5 }]), [true, false, true]);
  });

  void it('docs: nested $.user.status', () => {
    assert.deepEqual(kept('$.user.status', [{ user: { status: 'active' } }, { user: {} }]), [true, false]);
  });

  void it('comparisons work (upstream dropped everything for "status == \'active\'")', () => {
    assert.deepEqual(kept("status == 'active' && amount >= 10", [{ status: 'active', amount: 10 }, { status: 'active', amount: 9 }, { status: 'x', amount: 99 }]), [
      true,
      false,
      false,
    ]);
    assert.deepEqual(kept('$.a != 1 || !$.b', [{ a: 2, b: 1 }, { a: 1, b: 1 }, { a: 1 }]), [true, false, true]);
  });

  void it('returns the very same message when kept', () => {
    const msg = message({ active: true });
    assert.equal(build('filter', { condition: 'active' }).apply(msg)[0], msg);
  });

  void it('raw payloads have no fields: a path is false, its negation true', () => {
    assert.deepEqual(kept('$.x', [INVALID_UTF8]), [false]);
    assert.deepEqual(kept('!$.x', [INVALID_UTF8]), [true]);
    // The raw bytes' indexes are not fields.
    assert.deepEqual(kept('$[0]', [INVALID_UTF8]), [false]);
  });

  void it('non-object roots: array indexes resolve, keys do not', () => {
    assert.deepEqual(kept('[0]', [[1], [0], 'text', 5, null]), [true, false, false, false, false]);
  });

  void it('a bad condition is a config error pointing at the field', () => {
    assert.throws(() => build('filter', { condition: "status == active" }), (e: unknown) => e instanceof ConfigError && e.message.includes('spec.transformations[0].config.condition: invalid condition'));
    assert.throws(() => build('filter', {}), /config\.condition: is required/);
  });
});
