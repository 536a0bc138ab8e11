import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { buildPollStatement, buildProbeStatement, checkpointOf, cursorFromCheckpoint, decodeOffset, encodeOffset } from './cursor.js';

const columns = { changeTracking: 'updated_at', orderBy: 'id' };
const table = { table: { schema: 'Mixed Case', name: 'Order-Items' } };

void describe('postgresql polling cursor', () => {
  void it('reads everything ordered by (changeTrackingColumn, orderByColumn) on the first poll', () => {
    const statement = buildPollStatement(table, columns, undefined, 0);
    assert.equal(
      statement.text,
      'SELECT * FROM "Mixed Case"."Order-Items" AS q WHERE q."updated_at" IS NOT NULL AND q."id" IS NOT NULL ORDER BY q."updated_at", q."id"',
    );
    assert.deepEqual(statement.values, []);
  });

  void it('continues after the composite cursor with parameters and a LIMIT', () => {
    const statement = buildPollStatement(table, columns, { changeValue: '2024-05-01T10:00:00.123456Z', orderValue: 7 }, 100);
    assert.equal(statement.text, 'SELECT * FROM "Mixed Case"."Order-Items" AS q WHERE (q."updated_at", q."id") > ($1, $2) ORDER BY q."updated_at", q."id" LIMIT 100');
    assert.deepEqual(statement.values, ['2024-05-01T10:00:00.123456Z', 7]);
  });

  void it('wraps a query as a subquery with the same filter', () => {
    const statement = buildPollStatement({ query: 'SELECT id, updated_at FROM a JOIN b USING (id)' }, columns, { changeValue: 't', orderValue: 'k' }, 0);
    assert.equal(
      statement.text,
      'SELECT * FROM (SELECT id, updated_at FROM a JOIN b USING (id)) AS q WHERE (q."updated_at", q."id") > ($1, $2) ORDER BY q."updated_at", q."id"',
    );
  });

  void it('uses a single-column filter when both columns are the same', () => {
    const statement = buildPollStatement(table, { changeTracking: 'seq', orderBy: 'seq' }, { changeValue: 5, orderValue: 5 }, 10);
    assert.equal(statement.text, 'SELECT * FROM "Mixed Case"."Order-Items" AS q WHERE q."seq" > $1 ORDER BY q."seq" LIMIT 10');
    assert.deepEqual(statement.values, [5]);
  });

  void it('resumes from a legacy checkpoint that holds only one value', () => {
    const byId = buildPollStatement(table, columns, cursorFromCheckpoint({ lastReadID: 42 }), 0);
    assert.match(byId.text, /WHERE q\."id" > \$1 AND q\."updated_at" IS NOT NULL/);
    assert.deepEqual(byId.values, [42]);
    const byTime = buildPollStatement(table, columns, cursorFromCheckpoint({ lastReadChangeTime: '2024-01-01T00:00:00Z' }), 0);
    assert.match(byTime.text, /WHERE q\."updated_at" > \$1 AND q\."id" IS NOT NULL/);
  });

  void it('round-trips the canonical checkpoint and refuses malformed values', () => {
    const cursor = { changeValue: '2024-05-01T10:00:00.5Z', orderValue: 'abc' };
    assert.deepEqual(checkpointOf(cursor), { lastReadChangeTime: '2024-05-01T10:00:00.5Z', lastReadOrderByValue: 'abc' });
    assert.deepEqual(cursorFromCheckpoint(checkpointOf(cursor)), cursor);
    assert.equal(cursorFromCheckpoint(undefined), undefined);
    assert.equal(cursorFromCheckpoint({}), undefined);
    assert.throws(() => cursorFromCheckpoint({ lastReadOrderByValue: { x: 1 } }), ConfigError);
  });

  void it('encodes positions as the JSON cursor pair', () => {
    const offset = encodeOffset('2024-05-01T10:00:00Z', 3);
    assert.equal(offset, '["2024-05-01T10:00:00Z",3]');
    assert.deepEqual(decodeOffset(offset), { changeValue: '2024-05-01T10:00:00Z', orderValue: 3 });
    assert.equal(decodeOffset('17'), undefined);
    assert.equal(decodeOffset('not json'), undefined);
    assert.equal(decodeOffset('[null,1]'), undefined);
  });

  void it('probes the result columns without reading rows', () => {
    assert.equal(buildProbeStatement(table, columns), 'SELECT q."updated_at", q."id" FROM "Mixed Case"."Order-Items" AS q LIMIT 0');
  });
});
