import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseColumnList, parseTableName, quoteIdent, quoteTable, stringLiteral, typedLiteral } from './sql.js';

void describe('clickhouse sql', () => {
  void it('quotes identifiers with backticks, escaping backticks and backslashes', () => {
    assert.equal(quoteIdent('created_at'), '`created_at`');
    assert.equal(quoteIdent('a`b\\c'), '`a\\`b\\\\c`');
    assert.throws(() => quoteIdent(''));
  });

  void it('parses table and database.table, refusing anything else', () => {
    assert.deepEqual(parseTableName('events'), { table: 'events' });
    assert.deepEqual(parseTableName('analytics.events'), { database: 'analytics', table: 'events' });
    assert.equal(quoteTable(parseTableName('analytics.events')), '`analytics`.`events`');
    for (const bad of ['a.b.c', 'x; DROP TABLE y', '', 'a.', '1abc']) assert.throws(() => parseTableName(bad), /not a table name/, bad);
  });

  void it('escapes string literals so no value can end the literal', () => {
    assert.equal(stringLiteral("it's"), "'it\\'s'");
    assert.equal(stringLiteral('a\\'), "'a\\\\'");
    assert.equal(stringLiteral("x\\' OR 1=1 --"), "'x\\\\\\' OR 1=1 --'");
    assert.equal(stringLiteral('l1\nl2\t\0'), "'l1\\nl2\\t\\0'");
  });

  void it('casts values to the column type', () => {
    assert.equal(typedLiteral('2024-01-01 00:00:00', 'DateTime'), "CAST('2024-01-01 00:00:00' AS DateTime)");
    assert.equal(typedLiteral(42, 'UInt64'), "CAST('42' AS UInt64)");
    assert.equal(typedLiteral(true, 'UInt8'), "CAST('1' AS UInt8)");
    assert.equal(typedLiteral('x', "DateTime('UTC')"), "CAST('x' AS DateTime('UTC'))");
    assert.throws(() => typedLiteral(1, 'Int32); DROP TABLE t; --'));
  });

  void it('splits column lists', () => {
    assert.deepEqual(parseColumnList(' a, b '), ['a', 'b']);
    assert.throws(() => parseColumnList('a,,b'));
  });
});
