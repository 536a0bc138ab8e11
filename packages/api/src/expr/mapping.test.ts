import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpressionError } from './errors.js';
import { parseHeaderMapping, parseRename } from './mapping.js';

void describe('parseRename', () => {
  void it('splits at the first unescaped colon outside quoted keys', () => {
    const plain = parseRename('$.user.name:profile.fullName');
    assert.deepEqual(plain.from.segments, ['user', 'name']);
    assert.deepEqual(plain.to.segments, ['profile', 'fullName']);
    assert.equal(plain.from.text, '$.user.name');
    assert.equal(plain.to.text, 'profile.fullName');
    assert.deepEqual(parseRename('a\\:b:c').from.segments, ['a:b']);
    assert.deepEqual(parseRename("['x:y']:z").from.segments, ['x:y']);
    assert.deepEqual(parseRename('a:b:c').to.segments, ['b:c']);
  });

  void it('rejects malformed renames with the position in the whole text', () => {
    assert.throws(() => parseRename('nocolon'), /expected "old\.path:new\.path"/);
    assert.throws(() => parseRename(':b'), (e: unknown) => e instanceof ExpressionError && e.position === 0);
    assert.throws(() => parseRename('a:'), /path is empty at 3 in "a:"/);
    assert.throws(() => parseRename('a:b.*'), /wildcard "\*" is not supported at 5/);
    assert.throws(() => parseRename('$:b'), /source path must name a field/);
  });
});

void describe('parseHeaderMapping', () => {
  void it('splits the header name from the target path', () => {
    const mapping = parseHeaderMapping('X-Request-Id:meta.requestId');
    assert.equal(mapping.header, 'X-Request-Id');
    assert.deepEqual(mapping.path.segments, ['meta', 'requestId']);
  });

  void it('rejects malformed mappings', () => {
    assert.throws(() => parseHeaderMapping('X-Id'), /expected "Header-Name:target\.path"/);
    assert.throws(() => parseHeaderMapping(':a'), /header name is empty/);
    assert.throws(() => parseHeaderMapping('X Id:a'), /whitespace/);
    assert.throws(() => parseHeaderMapping('X-Id:$'), /target path must name a field/);
    assert.throws(() => parseHeaderMapping('X-Id:a..b'), /recursive descent/);
  });
});
