import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTableStatement, inferLayout, inferType } from './table.js';

void describe('clickhouse auto-created tables', () => {
  void it('infers the narrowest type holding every value', () => {
    assert.equal(inferType([1, 2, null]), 'Int64');
    assert.equal(inferType([1, 2.5]), 'Float64');
    assert.equal(inferType([true]), 'UInt8');
    assert.equal(inferType(['2024-01-01T00:00:00Z', '2024-01-02 10:00:00']), 'DateTime');
    assert.equal(inferType(['2024-01-01T00:00:00Z', 'later']), 'String');
    assert.equal(inferType([1, 'a']), 'String');
    assert.equal(inferType([null]), 'String');
  });

  void it('orders by the conflict key when present, else by the first column; keys are never Nullable', () => {
    const rows = [{ id: 1, name: 'a' }, { id: 2 }];
    assert.deepEqual(inferLayout(rows, ['id'], false, undefined), {
      columns: [{ name: 'id', type: 'Int64' }, { name: 'name', type: 'Nullable(String)' }],
      orderBy: ['id'],
    });
    assert.deepEqual(inferLayout([{ user: 'u', n: 1 }], ['id'], false, undefined).orderBy, ['user']);
    assert.throws(() => inferLayout([{ user: 'u' }], ['id'], true, undefined), /conflictKey column id/);
    assert.throws(() => inferLayout([{ id: 1 }], ['id'], true, 'version'), /replacingVersionColumn version/);
  });

  void it('writes MergeTree and ReplacingMergeTree(version) statements', () => {
    const layout = { columns: [{ name: 'id', type: 'Int64' }, { name: 'v', type: 'Int64' }], orderBy: ['id'] };
    assert.equal(createTableStatement('`t`', layout, { engine: 'MergeTree' }), 'CREATE TABLE IF NOT EXISTS `t` (`id` Int64, `v` Int64) ENGINE = MergeTree() ORDER BY `id`');
    assert.equal(
      createTableStatement('`t`', { ...layout, orderBy: ['id', 'v'] }, { engine: 'ReplacingMergeTree', versionColumn: 'v', dedupWindow: 100 }),
      'CREATE TABLE IF NOT EXISTS `t` (`id` Int64, `v` Int64) ENGINE = ReplacingMergeTree(`v`) ORDER BY (`id`, `v`) SETTINGS non_replicated_deduplication_window = 100',
    );
  });
});
