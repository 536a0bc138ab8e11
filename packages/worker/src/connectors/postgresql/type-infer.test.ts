import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferColumns, inferSqlType, isTimestampWithZone } from './type-infer.js';

void describe('postgresql autoCreateTable type inference', () => {
  void it('infers one type per kind of value', () => {
    assert.equal(inferSqlType(['a', 'b']), 'text');
    assert.equal(inferSqlType([1, 2, null]), 'bigint');
    assert.equal(inferSqlType([1, 2.5]), 'double precision');
    assert.equal(inferSqlType([2 ** 64]), 'numeric');
    assert.equal(inferSqlType([true, false]), 'boolean');
    assert.equal(inferSqlType([{ a: 1 }]), 'jsonb');
    assert.equal(inferSqlType([[1, 2]]), 'jsonb');
    assert.equal(inferSqlType(['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.123+02:00']), 'timestamp with time zone');
    assert.equal(inferSqlType([null, undefined]), 'text');
  });

  void it('falls back to text or jsonb when values disagree', () => {
    assert.equal(inferSqlType(['2024-05-01T10:00:00Z', 'soon']), 'text');
    assert.equal(inferSqlType(['2024-05-01T10:00:00']), 'text', 'a time without zone stays text');
    assert.equal(inferSqlType([1, 'one']), 'jsonb');
    assert.equal(inferSqlType([true, 1]), 'jsonb');
  });

  void it('recognises RFC 3339 timestamps with a zone only', () => {
    assert.equal(isTimestampWithZone('2024-05-01T10:00:00Z'), true);
    assert.equal(isTimestampWithZone('2024-05-01 10:00:00+0000'), true);
    assert.equal(isTimestampWithZone('2024-13-01T10:00:00Z'), false);
    assert.equal(isTimestampWithZone('2024-05-01'), false);
  });

  void it('lists columns in first-appearance order across rows', () => {
    assert.deepEqual(inferColumns([{ id: 1, name: 'a' }, { id: 2, tags: ['x'] }]), [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'text' },
      { name: 'tags', type: 'jsonb' },
    ]);
  });
});
