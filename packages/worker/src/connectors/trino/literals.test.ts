import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cursorLiteral, plainDecimal, quoteIdent, renderValue } from './literals.js';
import type { Rendered } from './literals.js';

const sql = (r: Rendered): string => ('sql' in r ? r.sql : `ERROR ${r.error}`);
const error = (r: Rendered): string => ('error' in r ? r.error : `SQL ${r.sql}`);

void describe('trino literals', () => {
  void it('quotes identifiers and strings by doubling the quote character', () => {
    assert.equal(quoteIdent('a"b'), '"a""b"');
    assert.equal(sql(renderValue("it's", 'varchar')), "'it''s'");
    assert.equal(sql(renderValue('日本 🚀', 'varchar(4)')), "'日本 🚀'");
  });

  void it('renders integers only when they are whole and in range', () => {
    assert.equal(sql(renderValue(42, 'integer')), '42');
    assert.equal(sql(renderValue('-9223372036854775808', 'bigint')), '-9223372036854775808');
    assert.match(error(renderValue(2.5, 'bigint')), /not a whole number/);
    assert.match(error(renderValue(128, 'tinyint')), /outside -128\.\.127/);
    assert.match(error(renderValue('12a', 'integer')), /cannot be stored in a integer column/);
    assert.match(error(renderValue(true, 'integer')), /cannot be stored/);
    assert.match(error(renderValue(2 ** 60, 'bigint')), /lost precision/);
  });

  void it('never turns a non-boolean into false', () => {
    assert.equal(sql(renderValue(false, 'boolean')), 'false');
    assert.match(error(renderValue('false', 'boolean')), /cannot be stored in a boolean column/);
    assert.match(error(renderValue(0, 'boolean')), /cannot be stored/);
  });

  void it('renders doubles as double literals and refuses text that is not a number', () => {
    assert.equal(sql(renderValue(1.5, 'double')), '1.5E0');
    assert.equal(sql(renderValue(1e300, 'double')), '1e+300');
    assert.equal(sql(renderValue('NaN', 'double')), 'nan()');
    assert.match(error(renderValue('abc', 'double')), /cannot be stored/);
    assert.match(error(renderValue(1e39, 'real')), /outside the range of real/);
  });

  void it('renders decimals exactly and refuses rounding or overflow', () => {
    assert.equal(sql(renderValue(12.5, 'decimal(5,2)')), "DECIMAL '12.5'");
    assert.equal(sql(renderValue('1.50', 'decimal(3,2)')), "DECIMAL '1.50'");
    assert.match(error(renderValue(1.005, 'decimal(10,2)')), /more than 2 decimal places/);
    assert.match(error(renderValue(1000, 'decimal(5,2)')), /too many digits/);
    assert.equal(plainDecimal('1.5e3'), '1500');
    assert.equal(plainDecimal('-2e-3'), '-0.002');
  });

  void it('refuses text longer than a bounded varchar instead of truncating it', () => {
    assert.match(error(renderValue('abcdef', 'varchar(5)')), /6 characters would be truncated to 5/);
    assert.equal(sql(renderValue({ a: 1 }, 'varchar')), `'{"a":1}'`);
  });

  void it('renders timestamps in UTC without a zone and keeps the offset with a zone', () => {
    assert.equal(sql(renderValue('2024-01-01T10:00:00.123456+02:00', 'timestamp(6)')), "CAST('2024-01-01 08:00:00.123456' AS timestamp(6))");
    assert.equal(sql(renderValue('2024-01-01T10:00:00.5+02:00', 'timestamp(3) with time zone')), "CAST('2024-01-01 10:00:00.5 +02:00' AS timestamp(3) with time zone)");
    assert.equal(sql(renderValue(1_700_000_000, 'timestamp(3)')), "CAST('2023-11-14 22:13:20' AS timestamp(3))");
    assert.equal(sql(renderValue(1_700_000_000_123, 'timestamp(3)')), "CAST('2023-11-14 22:13:20.123' AS timestamp(3))");
    assert.match(error(renderValue('2024-01-01T00:00:00.1234', 'timestamp(3)')), /beyond precision 3/);
    assert.match(error(renderValue('2024-02-30', 'timestamp(3)')), /ISO-8601/);
    assert.match(error(renderValue('tomorrow', 'date')), /YYYY-MM-DD/);
    assert.equal(sql(renderValue('2024-02-29', 'date')), "DATE '2024-02-29'");
  });

  void it('renders json, structured and other types through Trino parsers', () => {
    assert.equal(sql(renderValue({ a: "it's" }, 'json')), `json_parse('{"a":"it''s"}')`);
    assert.equal(sql(renderValue([1, 2], 'array(integer)')), "CAST(json_parse('[1,2]') AS array(integer))");
    assert.match(error(renderValue('x', 'array(integer)')), /expected a JSON array/);
    assert.equal(sql(renderValue('10.0.0.1', 'ipaddress')), "CAST('10.0.0.1' AS ipaddress)");
    assert.equal(sql(renderValue(null, 'bigint')), 'NULL');
  });

  void it('renders cursor values as literals of their column type', () => {
    assert.equal(cursorLiteral('2024-01-01 00:00:00.000001', 'timestamp(6)'), "CAST('2024-01-01 00:00:00.000001' AS timestamp(6))");
    assert.equal(cursorLiteral(42, 'bigint'), "CAST('42' AS bigint)");
    assert.equal(cursorLiteral("o'x", 'varchar'), "CAST('o''x' AS varchar)");
  });
});
