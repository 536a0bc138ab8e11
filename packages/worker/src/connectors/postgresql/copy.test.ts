import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyChunks, copyField, copyStatement } from './copy.js';
import { arrayLiteral, encodeValue } from './encode.js';
import type { ColumnInfo } from './table.js';

function column(type: string, flags: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name: 'c', type, isJson: false, isArray: false, isBytea: false, isDateTime: false, ...flags };
}

void describe('postgresql COPY text format', () => {
  void it('escapes backslash, tab, newline and carriage return, and writes NULL as \\N', () => {
    assert.equal(copyField('plain ü 😀'), 'plain ü 😀');
    assert.equal(copyField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
    assert.equal(copyField('\\N'), '\\\\N');
    assert.equal(copyField('\\.'), '\\\\.');
    assert.equal(copyField(null), '\\N');
    assert.equal(copyField(''), '');
  });

  void it('builds tab-separated, newline-terminated rows in chunks', () => {
    const text = Buffer.concat(copyChunks([['1', 'x\ty'], ['2', null]])).toString('utf8');
    assert.equal(text, '1\tx\\ty\n2\t\\N\n');
    const many = copyChunks(Array.from({ length: 20_000 }, (_, i) => [String(i), 'x'.repeat(40)]));
    assert.ok(many.length > 1, 'large data is split into several chunks');
    assert.equal(Buffer.concat(many).toString('utf8').split('\n').length, 20_001);
  });

  void it('quotes the table and columns in the COPY statement', () => {
    assert.equal(copyStatement({ schema: 'S', name: 'T-1' }, ['id', 'Na"me']), 'COPY "S"."T-1" ("id", "Na""me") FROM STDIN');
  });
});

void describe('postgresql value encoding', () => {
  void it('serialises JSON for json/jsonb columns, strings included', () => {
    const json = column('jsonb', { isJson: true });
    assert.equal(encodeValue({ a: [1, 'x'] }, json), '{"a":[1,"x"]}');
    assert.equal(encodeValue('text', json), '"text"');
    assert.equal(encodeValue(null, json), null);
  });

  void it('writes scalars as text and structured values as JSON text', () => {
    assert.equal(encodeValue(12.5, column('numeric')), '12.5');
    assert.equal(encodeValue(true, column('boolean')), 'true');
    assert.equal(encodeValue({ a: 1 }, column('text')), '{"a":1}');
    assert.equal(encodeValue(undefined, column('text')), null);
  });

  void it('reads numbers as epoch milliseconds for timestamp columns', () => {
    assert.equal(encodeValue(0, column('timestamp with time zone', { isDateTime: true })), '1970-01-01T00:00:00.000Z');
  });

  void it('decodes base64 (or takes \\x hex) for bytea columns', () => {
    const bytea = column('bytea', { isBytea: true });
    assert.equal(encodeValue('AAEC', bytea), '\\x000102');
    assert.equal(encodeValue('\\xff', bytea), '\\xff');
    assert.equal(encodeValue('hi!', bytea), '\\x686921');
  });

  void it('writes array literals for array columns', () => {
    assert.equal(encodeValue([1, null, 'a"b\\c'], column('text[]', { isArray: true })), '{"1",NULL,"a\\"b\\\\c"}');
    assert.equal(arrayLiteral([[1, 2], [3, 4]]), '{{"1","2"},{"3","4"}}');
  });
});
