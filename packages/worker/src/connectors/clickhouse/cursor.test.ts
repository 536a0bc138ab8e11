import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPollStatement, checkpointOf, cursorFromCheckpoint, decodeOffset, encodeOffset } from './cursor.js';

const columns = { changeTracking: 'created_at', orderBy: 'id', changeType: 'DateTime', orderType: 'UInt64' };

void describe('clickhouse source cursor', () => {
  void it('starts with rows whose cursor columns are not null, in cursor order', () => {
    assert.deepEqual(buildPollStatement('`t`', columns, undefined, 0, false), {
      query: 'SELECT * FROM `t` WHERE isNotNull(`created_at`) AND isNotNull(`id`) ORDER BY `created_at`, `id`',
    });
  });

  void it('continues after the composite cursor with typed literals', () => {
    const { query } = buildPollStatement('`t`', columns, { changeValue: '2024-01-01 00:00:00', orderValue: '7' }, 100, false);
    assert.equal(
      query,
      "SELECT * FROM `t` WHERE isNotNull(`created_at`) AND isNotNull(`id`) AND (`created_at` > CAST('2024-01-01 00:00:00' AS DateTime) OR " +
        "(`created_at` = CAST('2024-01-01 00:00:00' AS DateTime) AND `id` > CAST('7' AS UInt64))) ORDER BY `created_at`, `id` LIMIT 100",
    );
  });

  void it('uses typed query parameters where the server has them', () => {
    const statement = buildPollStatement('(SELECT 1)', columns, { changeValue: "x'y", orderValue: 7 }, 0, true);
    assert.match(statement.query, /`created_at` > \{ct:DateTime\} OR \(`created_at` = \{ct:DateTime\} AND `id` > \{ob:UInt64\}\)/);
    assert.deepEqual(statement.params, { ct: "x'y", ob: 7 });
  });

  void it('reads a legacy checkpoint with only the order-by value as ob > N', () => {
    const cursor = cursorFromCheckpoint({ lastReadOrderByValue: 12 });
    assert.deepEqual(cursor, { orderValue: 12 });
    assert.match(buildPollStatement('`t`', columns, cursor, 0, false).query, /AND `id` > CAST\('12' AS UInt64\) ORDER BY/);
  });

  void it('round-trips offsets and checkpoints', () => {
    const offset = encodeOffset('2024-01-01 00:00:00', '5');
    assert.deepEqual(decodeOffset(offset), { changeValue: '2024-01-01 00:00:00', orderValue: '5' });
    assert.equal(decodeOffset('17'), undefined);
    assert.deepEqual(checkpointOf({ changeValue: 'a', orderValue: 1 }), { lastReadChangeTime: 'a', lastReadOrderByValue: 1 });
    assert.throws(() => cursorFromCheckpoint({ lastReadChangeTime: { a: 1 } }), /reset the checkpoint/);
  });
});
