import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('replaceField', () => {
  void it('docs: renames move nested values to the top (emptied parents removed)', () => {
    const t = build('replaceField', { renames: ['key.sku:sku', '$.body.lc:lc'] });
    assert.deepEqual(run(t, { key: { sku: '12345' }, body: { lc: 'en' } }), [{ sku: '12345', lc: 'en' }]);
  });

  void it('renames into nested targets, keeps non-empty parents, overwrites an existing target, skips missing', () => {
    const t = build('replaceField', { renames: ['a.x:b.c.d', 'missing:z', 'old:id'] });
    assert.deepEqual(run(t, { a: { x: 1, y: 2 }, old: 'new-id', id: 'old-id' }), [{ a: { y: 2 }, b: { c: { d: 1 } }, id: 'new-id' }]);
  });

  void it('include keeps only the listed paths, preserving nesting; none present gives {}', () => {
    const t = build('replaceField', { include: ['id', 'user.name'] });
    assert.deepEqual(run(t, { id: 1, secret: 2, user: { name: 'n', pw: 'p' } }), [{ id: 1, user: { name: 'n' } }]);
    assert.deepEqual(run(t, { other: 1 }), [{}]);
  });

  void it('exclude removes paths; renames apply after include/exclude (Kafka Connect order)', () => {
    const t = build('replaceField', { exclude: ['user.pw'], renames: ['user.name:name'] });
    assert.deepEqual(run(t, { user: { name: 'n', pw: 'p' }, id: 1 }), [{ name: 'n', id: 1 }]);
    const inc = build('replaceField', { include: ['user.name'], renames: ['user.name:name'] });
    assert.deepEqual(run(inc, { user: { name: 'n', pw: 'p' }, id: 1 }), [{ name: 'n' }]);
  });

  void it('a colon inside a key is escaped with \\:', () => {
    assert.deepEqual(run(build('replaceField', { renames: ['a\\:b:ab'] }), { 'a:b': 1 }), [{ ab: 1 }]);
  });

  void it('a target through a scalar is a record error; nothing to do returns the same message', () => {
    assert.throws(() => run(build('replaceField', { renames: ['a:b.c'] }), { a: 1, b: 'text' }), RecordError);
    const msg = message({ a: 1 });
    assert.equal(build('replaceField', { renames: ['x:y'] }).apply(msg)[0], msg);
  });

  void it('raw payloads and non-object roots pass through', () => {
    const t = build('replaceField', { include: ['a'] });
    for (const value of [INVALID_UTF8, [1], 'a']) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
  });

  void it('config errors', () => {
    assert.throws(() => build('replaceField', {}), /spec\.transformations\[0\]\.config: set at least one of renames, include, exclude/);
    assert.throws(() => build('replaceField', { include: ['a'], exclude: ['b'] }), /config\.exclude: cannot be combined with include/);
    assert.throws(() => build('replaceField', { renames: ['nocolon'] }), /config\.renames\[0\]: invalid rename/);
    assert.throws(() => build('replaceField', { renames: ['a:$'] }), /config\.renames\[0\]: invalid rename/);
  });
});
