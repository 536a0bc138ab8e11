import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { checkpointOf, compositeCursorCodec, encodeOffset, isNotNull, isScalar } from './cursor-state.js';

const scalars = compositeCursorCodec('scalar source', isScalar);
const json = compositeCursorCodec('json source', isNotNull);

void describe('polling composite cursor', () => {
  void it('writes the upstream checkpoint fields, omitting a missing value', () => {
    assert.deepEqual(checkpointOf({ changeValue: '2024-01-01', orderValue: 7 }), { lastReadChangeTime: '2024-01-01', lastReadOrderByValue: 7 });
    assert.deepEqual(checkpointOf({ orderValue: 7 }), { lastReadOrderByValue: 7 });
  });

  void it('reads a checkpoint back, including the legacy lastReadID form', () => {
    const cursor = { changeValue: 'x', orderValue: 'y' };
    assert.deepEqual(scalars.cursorFromCheckpoint(checkpointOf(cursor)), cursor);
    assert.deepEqual(scalars.cursorFromCheckpoint({ lastReadID: 42 }), { orderValue: 42 });
    assert.deepEqual(scalars.cursorFromCheckpoint({ lastReadChangeTime: 't', lastReadOrderByValue: null }), { changeValue: 't' });
    assert.equal(scalars.cursorFromCheckpoint({}), undefined);
    assert.equal(scalars.cursorFromCheckpoint(undefined), undefined);
  });

  void it('refuses a checkpoint value that is not a scalar, naming the source and field', () => {
    assert.throws(
      () => json.cursorFromCheckpoint({ lastReadChangeTime: { a: 1 } }),
      (e: Error) => e instanceof ConfigError && /^json source: checkpoint field lastReadChangeTime/.test(e.message),
    );
  });

  void it('round-trips offsets and rejects offsets the source cannot have made', () => {
    assert.deepEqual(scalars.decodeOffset(encodeOffset('a', 1)), { changeValue: 'a', orderValue: 1 });
    assert.equal(scalars.decodeOffset('[1]'), undefined);
    assert.equal(scalars.decodeOffset('not json'), undefined);
    assert.equal(scalars.decodeOffset('[null,1]'), undefined);
    assert.equal(scalars.decodeOffset('[{"a":1},1]'), undefined, 'objects are not ClickHouse-style scalars');
    assert.deepEqual(json.decodeOffset('[{"a":1},1]'), { changeValue: { a: 1 }, orderValue: 1 });
  });
});
