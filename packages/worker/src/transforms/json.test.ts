import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonValue } from '../message.js';
import { PayloadEditor, deletionOrder, valueAt } from './json.js';
import { deepFreeze } from './test-support.js';

void describe('PayloadEditor (copy-on-write)', () => {
  void it('copies only the containers on the written path, once per session', () => {
    const original = deepFreeze({ a: { b: 1, c: 2 }, d: { e: 3 } });
    const editor = new PayloadEditor(original);
    assert.ok(editor.set(['a', 'b'], 10));
    assert.ok(editor.set(['a', 'c'], 20));
    const value = editor.value as typeof original;
    assert.deepEqual(value, { a: { b: 10, c: 20 }, d: { e: 3 } });
    assert.deepEqual(original, { a: { b: 1, c: 2 }, d: { e: 3 } });
    assert.equal(value.d, original.d);
  });

  void it('creates missing objects, replaces null, appends at index == length', () => {
    const editor = new PayloadEditor(deepFreeze({ n: null, list: [1] }));
    assert.ok(editor.set(['x', 'y'], 1));
    assert.ok(editor.set(['n', 'z'], 2));
    assert.ok(editor.set(['list', 1], 2));
    assert.deepEqual(editor.value, { n: { z: 2 }, list: [1, 2], x: { y: 1 } });
  });

  void it('refuses writes through scalars, keys on arrays and indexes past the end, copying nothing', () => {
    const original = deepFreeze({ s: 'text', list: [1] });
    const editor = new PayloadEditor(original);
    assert.equal(editor.set(['s', 'x'], 1), false);
    assert.equal(editor.set(['list', 'x'], 1), false);
    assert.equal(editor.set(['list', 5], 1), false);
    assert.equal(editor.set([], 1), false);
    assert.equal(editor.changed, false);
    assert.equal(editor.value, original);
    assert.equal(new PayloadEditor('root').set(['a'], 1), false);
  });

  void it('deletes keys and splices array elements; a missing path changes nothing', () => {
    const original = deepFreeze({ a: { b: 1 }, list: [1, 2, 3] });
    const editor = new PayloadEditor(original);
    assert.equal(editor.delete(['a', 'x']), false);
    assert.equal(editor.changed, false);
    assert.ok(editor.delete(['a', 'b']));
    assert.ok(editor.delete(['list', 0]));
    assert.deepEqual(editor.value, { a: {}, list: [2, 3] });
  });

  void it('__proto__ keys stay data', () => {
    const editor = new PayloadEditor({});
    editor.set(['__proto__', 'polluted'], true);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(editor.value as object), ['__proto__']);
  });
});

void describe('valueAt', () => {
  void it('finds nulls, misses inherited keys, indexes arrays by number only', () => {
    const root: JsonValue = { a: null, list: ['x'], o: { 0: 'zero' } };
    assert.equal(valueAt(root, ['a']), null);
    assert.equal(valueAt(root, ['toString']), undefined);
    assert.equal(valueAt(root, ['list', 0]), 'x');
    assert.equal(valueAt(root, ['list', '0']), undefined);
    assert.equal(valueAt(root, ['o', 0]), 'zero');
  });
});

void describe('deletionOrder', () => {
  void it('deeper before shallower, higher indexes first', () => {
    assert.deepEqual(
      deletionOrder([['items', 0], ['items', 2], ['items', 0, 'x'], ['a']]),
      [['a'], ['items', 2], ['items', 0, 'x'], ['items', 0]],
    );
  });
});
