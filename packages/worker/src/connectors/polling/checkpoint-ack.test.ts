import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '../../errors.js';
import type { Checkpoint, CheckpointStore } from '../../plugin.js';
import { silentLogger } from '../../runtime/silent-logger.js';
import { CheckpointAck } from './checkpoint-ack.js';
import type { Cursor } from './cursor-state.js';
import { compositeCursorCodec, encodeOffset, isScalar } from './cursor-state.js';

class RecordingStore implements CheckpointStore {
  saved: Checkpoint[] = [];
  stored: Checkpoint | undefined;
  failSaves = 0;
  failLoad = false;
  load(): Promise<Checkpoint | undefined> {
    return this.failLoad ? Promise.reject(new Error('forbidden')) : Promise.resolve(this.stored);
  }
  save(checkpoint: Checkpoint): Promise<void> {
    if (this.failSaves > 0) {
      this.failSaves -= 1;
      return Promise.reject(new Error('conflict'));
    }
    this.saved.push(checkpoint);
    return Promise.resolve();
  }
}

function tracker(store: CheckpointStore, saveIntervalMs = 5): CheckpointAck<Cursor<string | number | boolean>> {
  return new CheckpointAck({ owner: 'test source', store, log: silentLogger, codec: compositeCursorCodec('test source', isScalar), saveIntervalMs });
}

const at = (change: string, order: number) => ({ partition: 't', offset: encodeOffset(change, order) });

void describe('polling checkpoint ack', () => {
  void it('resumes from the stored checkpoint and does not save it again unchanged', async () => {
    const store = new RecordingStore();
    store.stored = { lastReadChangeTime: 'a', lastReadOrderByValue: 1 };
    const ack = tracker(store);
    assert.deepEqual(await ack.load(), { changeValue: 'a', orderValue: 1 });
    assert.deepEqual(ack.committed, store.stored);
    await ack.close();
    assert.deepEqual(store.saved, []);
  });

  void it('reports an unreadable store as a ConfigError naming the source', async () => {
    const store = new RecordingStore();
    store.failLoad = true;
    await assert.rejects(tracker(store).load(), (e: Error) => e instanceof ConfigError && /test source: cannot load the checkpoint: forbidden/.test(e.message));
  });

  void it('saves the last acked position at most once per interval', async () => {
    const store = new RecordingStore();
    const ack = tracker(store, 20);
    await ack.load();
    await ack.ack([at('a', 1), at('a', 2)], 't');
    await ack.ack([at('b', 3)], 't');
    assert.deepEqual(store.saved, [], 'nothing is saved before the interval');
    await delay(60);
    assert.deepEqual(store.saved, [{ lastReadChangeTime: 'b', lastReadOrderByValue: 3 }]);
    await ack.close();
    assert.equal(store.saved.length, 1, 'close does not save an unchanged position');
  });

  void it('retries a failed save and saves the last ack on close', async () => {
    const store = new RecordingStore();
    store.failSaves = 1;
    const ack = tracker(store, 5);
    await ack.ack([at('a', 1)], 't');
    await delay(40);
    assert.deepEqual(store.saved, [{ lastReadChangeTime: 'a', lastReadOrderByValue: 1 }]);
    await ack.ack([at('a', 2)], 't');
    await ack.close();
    assert.deepEqual(store.saved.at(-1), { lastReadChangeTime: 'a', lastReadOrderByValue: 2 });
  });

  void it('refuses positions it never delivered and acks after close', async () => {
    const ack = tracker(new RecordingStore());
    await ack.ack([], 't');
    assert.equal(ack.committed, undefined);
    await assert.rejects(ack.ack([{ partition: 'other', offset: encodeOffset('a', 1) }], 't'), /other@\["a",1\], which this source never delivered/);
    await assert.rejects(ack.ack([{ partition: 't', offset: 'garbage' }], 't'), /never delivered/);
    await ack.close();
    await assert.rejects(ack.ack([at('a', 1)], 't'), /ack after close/);
  });
});
