import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSON_ROW_TYPES, parseBytea, parseInt8, parseTimestamp, parseTimestamptz, toJsonValue } from './row-values.js';

const parser = (oid: number): ((text: string) => unknown) => JSON_ROW_TYPES.getTypeParser(oid, 'text') as (text: string) => unknown;

void describe('postgresql source value conversion', () => {
  void it('keeps timestamp precision as ISO strings', () => {
    assert.equal(parseTimestamptz('2024-05-01 10:00:00.123456+00'), '2024-05-01T10:00:00.123456Z');
    assert.equal(parseTimestamptz('2024-05-01 10:00:00+00'), '2024-05-01T10:00:00Z');
    assert.equal(parseTimestamptz('infinity'), 'infinity');
    assert.equal(parseTimestamp('2024-05-01 10:00:00.5'), '2024-05-01T10:00:00.5');
    assert.equal(parser(1082)('2024-05-01'), '2024-05-01');
  });

  void it('keeps int8 exact and numeric as text', () => {
    assert.equal(parseInt8('42'), 42);
    assert.equal(parseInt8('9223372036854775807'), '9223372036854775807');
    assert.equal(parser(1700)('12.3400'), '12.3400');
    assert.equal(parser(701)('NaN'), 'NaN');
    assert.equal(parser(701)('1.5'), 1.5);
  });

  void it('returns bytea as base64 and json as parsed values', () => {
    assert.equal(parseBytea('\\x000102'), 'AAEC');
    assert.deepEqual(parser(3802)('{"a":[1,2]}'), { a: [1, 2] });
  });

  void it('converts arrays element by element', () => {
    assert.deepEqual(parser(1185)('{"2024-05-01 10:00:00.000001+00",NULL}'), ['2024-05-01T10:00:00.000001Z', null]);
    assert.deepEqual(parser(1016)('{1,9223372036854775807}'), [1, '9223372036854775807']);
    assert.deepEqual(parser(1231)('{1.10,2}'), ['1.10', '2']);
  });

  void it('makes any leftover value JSON', () => {
    assert.equal(toJsonValue(new Date(0)), '1970-01-01T00:00:00.000Z');
    assert.equal(toJsonValue(Buffer.from([1, 2])), 'AQI=');
    assert.equal(toJsonValue(10n), 10);
    assert.equal(toJsonValue(Infinity), 'Infinity');
    assert.deepEqual(toJsonValue({ x: 1, y: undefined }), { x: 1, y: null });
  });
});
