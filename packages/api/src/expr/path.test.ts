import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionError } from './errors.js';
import { deletePath, formatPath, getPath, parsePath, setPath } from './path.js';
import type { PathSegment } from './path.js';

const VALID: ReadonlyArray<readonly [string, readonly PathSegment[]]> = [
  ['a', ['a']],
  ['a.b.c', ['a', 'b', 'c']],
  ['$', []],
  ['$.a', ['a']],
  ['$.a.b', ['a', 'b']],
  ['$[0]', [0]],
  ['$[0].a', [0, 'a']],
  ['a[0]', ['a', 0]],
  ['a[0][1]', ['a', 0, 1]],
  ['a.0', ['a', 0]],
  ['a.10.b', ['a', 10, 'b']],
  ['0', [0]],
  ['a.01', ['a', '01']],
  ['a[01]', ['a', 1]],
  ['items[2].sku', ['items', 2, 'sku']],
  ['a\\.b', ['a.b']],
  ['a\\\\b', ['a\\b']],
  ['a\\.b.c', ['a.b', 'c']],
  ['\\0', ['0']],
  ['a.\\12', ['a', '12']],
  ['\\$ref', ['$ref']],
  ['a.$ref', ['a', '$ref']],
  ['price$', ['price$']],
  ["['a b']", ['a b']],
  ['["x.y"]', ['x.y']],
  ["a['b c'].d", ['a', 'b c', 'd']],
  ["a['it\\'s']", ['a', "it's"]],
  ['a["q\\"q"]', ['a', 'q"q']],
  ["a['0']", ['a', '0']],
  ["a['']", ['a', '']],
  ["$['a']['b']", ['a', 'b']],
  ['a\\ b', ['a b']],
  ['user-name.first_name', ['user-name', 'first_name']],
  ['ключ.值', ['ключ', '值']],
  ['a:b', ['a:b']],
  ['a\\*', ['a*']],
  ['a[9007199254740991]', ['a', 9007199254740991]],
];

const INVALID: ReadonlyArray<readonly [string, RegExp, number]> = [
  ['', /path is empty/, 0],
  ['a.b]', /unexpected "\]" at 4 in "a\.b\]"/, 3],
  ['a..b', /recursive descent/, 1],
  ['$..a', /recursive descent/, 1],
  ['.a', /must not start with "\."/, 0],
  ['a.', /must not end with "\."/, 1],
  ['$.', /expected a key after "\$\."/, 2],
  ['$a', /"\$" must be followed by "\." or "\["/, 1],
  ['a.*', /wildcard "\*"/, 2],
  ['a[*]', /wildcard "\*"/, 2],
  ['a?', /"\?"/, 1],
  ['a.#', /"#"/, 2],
  ['a.#(b==1)', /"#"/, 2],
  ['a[?(@.b)]', /filter expressions/, 2],
  ['@this', /"@"/, 0],
  ['a|b', /pipe/, 1],
  ['a[', /unterminated "\["/, 1],
  ['a[0', /unterminated "\["/, 1],
  ["a['b", /unterminated quoted key/, 2],
  ["a['b'", /unterminated "\["/, 1],
  ["a['b'x]", /expected "\]" after the quoted key/, 5],
  ['a[]', /empty brackets/, 1],
  ['a[-1]', /negative array indexes/, 2],
  ['a[0:2]', /slices/, 3],
  ['a[b]', /expected an array index or a quoted key/, 2],
  ['a.[0]', /write a\[0\]/, 2],
  ['a b', /unexpected space/, 1],
  ['a\\', /escapes nothing/, 1],
  ['a(b)', /unexpected "\("/, 1],
  ['a==b', /unexpected "="/, 1],
  ["a'b", /unexpected "'"/, 1],
  ['a[0]b', /unexpected "b"/, 4],
  ['a.99999999999999999999', /too large/, 2],
];

void describe('parsePath', () => {
  for (const [text, segments] of VALID) {
    void it(`parses ${JSON.stringify(text)}`, () => {
      const path = parsePath(text);
      assert.equal(path.text, text);
      assert.deepEqual(path.segments, segments);
    });
  }

  for (const [text, message, position] of INVALID) {
    void it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(
        () => parsePath(text),
        (error: unknown) => {
          assert.ok(error instanceof ExpressionError);
          assert.match(error.message, message);
          assert.equal(error.expression, text);
          assert.equal(error.position, position);
          assert.ok(error.message.endsWith(` at ${position + 1} in ${JSON.stringify(text)}`), error.message);
          return true;
        },
      );
    });
  }
});

void describe('formatPath', () => {
  void it('round-trips every valid case through its canonical text', () => {
    for (const [, segments] of VALID) {
      const text = formatPath(segments);
      assert.deepEqual(parsePath(text).segments, segments, `canonical text ${text}`);
    }
  });

  void it('writes keys with dots, indexes in brackets and the root as $', () => {
    assert.equal(formatPath(['a.b', 0, 'c']), 'a\\.b[0].c');
    assert.equal(formatPath([]), '$');
    assert.equal(formatPath(['0']), '\\0');
    assert.equal(formatPath(['a', '']), "a['']");
  });
});

void describe('getPath', () => {
  const doc = { a: { b: [10, { c: 'x' }], '0': 'zero', 'd.e': 1 }, n: null, list: [[1, 2]] };
  const get = (text: string): unknown => getPath(doc, parsePath(text));

  void it('reads nested keys and indexes in both spellings', () => {
    assert.deepEqual(get('a.b[1].c'), { found: true, value: 'x' });
    assert.deepEqual(get('$.a.b.0'), { found: true, value: 10 });
    assert.deepEqual(get('list[0][1]'), { found: true, value: 2 });
  });

  void it('reads an index on an object as the key of the same digits', () => {
    assert.deepEqual(get('a.0'), { found: true, value: 'zero' });
    assert.deepEqual(get('a[0]'), { found: true, value: 'zero' });
  });

  void it('never indexes an array with a quoted key', () => {
    assert.deepEqual(get("a.b['0']"), { found: false });
  });

  void it('distinguishes null from missing', () => {
    assert.deepEqual(get('n'), { found: true, value: null });
    assert.deepEqual(get('missing'), { found: false });
    assert.deepEqual(get('n.x'), { found: false });
    assert.deepEqual(get('a.b[2]'), { found: false });
  });

  void it('reads escaped keys and the root', () => {
    assert.deepEqual(get('a.d\\.e'), { found: true, value: 1 });
    assert.deepEqual(get('$'), { found: true, value: doc });
  });

  void it('does not resolve through non-object roots or the prototype', () => {
    assert.deepEqual(getPath('text', parsePath('length')), { found: false });
    assert.deepEqual(getPath(42, parsePath('a')), { found: false });
    assert.deepEqual(getPath(null, parsePath('a')), { found: false });
    assert.deepEqual(getPath({}, parsePath('constructor')), { found: false });
    assert.deepEqual(getPath({}, parsePath('__proto__')), { found: false });
    assert.deepEqual(getPath([1], parsePath('length')), { found: false });
  });
});

void describe('setPath', () => {
  void it('creates missing objects along the way', () => {
    const doc: Record<string, unknown> = { keep: 1 };
    assert.equal(setPath(doc, parsePath('$.a.b.c'), 5), true);
    assert.deepEqual(doc, { keep: 1, a: { b: { c: 5 } } });
  });

  void it('replaces null intermediates with objects', () => {
    const doc = { a: null };
    assert.equal(setPath(doc, parsePath('a.b'), 1), true);
    assert.deepEqual(doc, { a: { b: 1 } });
  });

  void it('writes a numeric segment on an object as a key, never creating arrays', () => {
    const doc = {};
    assert.equal(setPath(doc, parsePath('a[0]'), 'x'), true);
    assert.deepEqual(doc, { a: { '0': 'x' } });
  });

  void it('replaces or appends array elements', () => {
    const doc = { list: [1, 2] };
    assert.equal(setPath(doc, parsePath('list[1]'), 9), true);
    assert.equal(setPath(doc, parsePath('list[2]'), 3), true);
    assert.equal(setPath(doc, parsePath('list[4]'), 5), false);
    assert.deepEqual(doc, { list: [1, 9, 3] });
    const nested = { list: [] as unknown[] };
    assert.equal(setPath(nested, parsePath('list[0].name'), 'n'), true);
    assert.deepEqual(nested, { list: [{ name: 'n' }] });
  });

  void it('refuses, without changes, paths it cannot write', () => {
    const doc = { s: 'text', list: [1], n: 1 };
    const before = structuredClone(doc);
    assert.equal(setPath(doc, parsePath('s.x'), 1), false);
    assert.equal(setPath(doc, parsePath('n.x.y'), 1), false);
    assert.equal(setPath(doc, parsePath('list.name'), 1), false);
    assert.equal(setPath(doc, parsePath('list[3].name'), 1), false);
    assert.equal(setPath(doc, parsePath('$'), 1), false);
    assert.equal(setPath('text', parsePath('a'), 1), false);
    assert.equal(setPath(null, parsePath('a'), 1), false);
    assert.deepEqual(doc, before);
  });

  void it('overwrites existing values, including objects', () => {
    const doc = { a: { b: { old: true } } };
    assert.equal(setPath(doc, parsePath('a.b'), 'new'), true);
    assert.deepEqual(doc, { a: { b: 'new' } });
  });

  void it('stores __proto__ as an own key without touching the prototype', () => {
    const doc: Record<string, unknown> = {};
    assert.equal(setPath(doc, parsePath('__proto__.polluted'), true), true);
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(doc), ['__proto__']);
    assert.deepEqual(getPath(doc, parsePath('__proto__.polluted')), { found: true, value: true });
  });
});

void describe('deletePath', () => {
  void it('deletes keys and splices array elements', () => {
    const doc = { a: { b: 1, c: 2 }, list: [1, 2, 3] };
    assert.equal(deletePath(doc, parsePath('a.b')), true);
    assert.equal(deletePath(doc, parsePath('list.1')), true);
    assert.deepEqual(doc, { a: { c: 2 }, list: [1, 3] });
  });

  void it('reports false for missing fields and the root', () => {
    const doc = { a: { b: 1 }, list: [1] };
    assert.equal(deletePath(doc, parsePath('a.x')), false);
    assert.equal(deletePath(doc, parsePath('x.y')), false);
    assert.equal(deletePath(doc, parsePath('list[5]')), false);
    assert.equal(deletePath(doc, parsePath("list['0']")), false);
    assert.equal(deletePath(doc, parsePath('$')), false);
    assert.equal(deletePath('text', parsePath('a')), false);
    assert.deepEqual(doc, { a: { b: 1 }, list: [1] });
  });
});
