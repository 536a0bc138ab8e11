import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnInfo } from './table.js';
import { columnArrays, softDeleteStatement, upsertStatement } from './upsert.js';

function column(name: string, type: string): ColumnInfo {
  return { name, type, isJson: false, isArray: false, isBytea: false, isDateTime: false };
}

const table = { schema: 'app', name: 'Items' };
const columns = [column('id', 'bigint'), column('name', 'character varying'), column('version', 'integer')];

void describe('postgresql upsert statements', () => {
  void it('inserts from UNNEST with casts and updates the non-key columns', () => {
    assert.equal(
      upsertStatement(table, columns, ['id']),
      'INSERT INTO "app"."Items" AS tgt ("id", "name", "version") SELECT u."id"::bigint, u."name"::character varying, u."version"::integer ' +
        'FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u("id", "name", "version") ' +
        'ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "version" = EXCLUDED."version"',
    );
  });

  void it('guards the update with the version column for ifNewer', () => {
    assert.match(upsertStatement(table, columns, ['id'], 'version'), /DO UPDATE SET .* WHERE tgt\."version" IS NULL OR tgt\."version" < EXCLUDED\."version"$/);
  });

  void it('does nothing on conflict when only key columns are written', () => {
    assert.match(upsertStatement(table, [columns[0] as ColumnInfo], ['id']), /ON CONFLICT \("id"\) DO NOTHING$/);
  });

  void it('soft-deletes by key', () => {
    assert.equal(
      softDeleteStatement(table, [column('tenant', 'text'), column('id', 'bigint')], 'deleted_at'),
      'UPDATE "app"."Items" AS tgt SET "deleted_at" = now() FROM UNNEST($1::text[], $2::text[]) AS u("tenant", "id") ' +
        'WHERE tgt."tenant" = u."tenant"::text AND tgt."id" = u."id"::bigint',
    );
  });

  void it('transposes rows into one array per column', () => {
    assert.deepEqual(columnArrays([['1', 'a'], ['2', null]], 2), [['1', '2'], ['a', null]]);
  });
});
