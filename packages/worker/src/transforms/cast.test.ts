import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import { INVALID_UTF8, build, message, run } from './test-support.js';

function cast(target: string, value: unknown): unknown {
  const [out] = run(build('cast', { spec: { v: target } }), { v: value } as never);
  return (out as Record<string, unknown>)['v'];
}

function fails(target: string, value: unknown): void {
  assert.throws(
    () => cast(target, value),
    (e: unknown) => e instanceof RecordError && e.message.startsWith(`cast: cannot convert v = `) && e.message.endsWith(`to ${target}`),
    `${JSON.stringify(value)} → ${target} should fail`,
  );
}

void describe('cast', () => {
  void it('string: scalars only', () => {
    assert.equal(cast('string', 'x'), 'x');
    assert.equal(cast('string', 42), '42');
    assert.equal(cast('string', 1.5), '1.5');
    assert.equal(cast('string', true), 'true');
    for (const v of [null, { a: 1 }, [1]]) fails('string', v);
  });

  void it('int64: integers, whole floats, numeric strings', () => {
    assert.equal(cast('int64', 7), 7);
    assert.equal(cast('int64', 7.0), 7);
    assert.equal(cast('int64', ' -12 '), -12);
    assert.equal(cast('int64', '1e3'), 1000);
    assert.equal(cast('int64', '3.0'), 3);
    for (const v of [7.5, '7.5', 'abc', '', true, null, {}, 2 ** 53, '9007199254740993']) fails('int64', v);
  });

  void it('float64: numbers and numeric strings', () => {
    assert.equal(cast('float64', 1), 1);
    assert.equal(cast('float64', '3.14'), 3.14);
    assert.equal(cast('float64', '-1e-3'), -0.001);
    for (const v of ['NaN', 'Infinity', '1e999', '0x10', 'x', false, [1]]) fails('float64', v);
  });

  void it('bool: booleans, true/false strings in any case, 0 and 1', () => {
    assert.equal(cast('bool', true), true);
    assert.equal(cast('bool', 'TRUE'), true);
    assert.equal(cast('bool', 'False'), false);
    assert.equal(cast('bool', 1), true);
    assert.equal(cast('bool', 0), false);
    for (const v of [2, 'yes', '1', null, {}]) fails('bool', v);
  });

  void it('null: any existing value', () => {
    assert.equal(cast('null', { a: 1 }), null);
    assert.equal(cast('null', 'x'), null);
  });

  void it('nested paths, missing paths skipped, the input untouched', () => {
    const t = build('cast', { spec: { '$.a.n': 'int64', 'a.s': 'string', missing: 'bool' } });
    const msg = message({ a: { n: '5', s: 1 } });
    assert.deepEqual(t.apply(msg)[0]?.value, { a: { n: 5, s: '1' } });
    assert.deepEqual(msg.value, { a: { n: '5', s: 1 } });
  });

  void it('the error names the path and value', () => {
    assert.throws(() => run(build('cast', { spec: { 'user.age': 'int64' } }), { user: { age: 'old' } }), { message: 'cast: cannot convert user.age = "old" to int64' });
  });

  void it('values already of the target type and raw payloads leave the message as is', () => {
    const t = build('cast', { spec: { a: 'int64' } });
    const same = message({ a: 1 });
    assert.equal(t.apply(same)[0], same);
    const raw = message(INVALID_UTF8);
    assert.deepEqual(t.apply(raw), [raw]);
  });

  void it('config errors', () => {
    assert.throws(() => build('cast', { spec: {} }), /config\.spec: must have at least one entry/);
    assert.throws(() => build('cast', { spec: { a: 'integer' } }), /config\.spec\["a"\]: must be one of string, int64, float64, bool, null/);
    assert.throws(() => build('cast', { spec: { 'a[': 'string' } }), /config\.spec\["a\["\]: invalid path/);
  });
});
