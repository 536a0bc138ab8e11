import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../message.js';
import { AckTicket } from './ack-tracker.js';
import { Batcher } from './batcher.js';
import type { Segment } from './batcher.js';
import { collected } from './gc-test-support.js';

function segment(from: number, count: number): Segment {
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    const offset = String(from + i);
    messages.push({ id: offset, position: { partition: 'p', offset }, timestamp: new Date(0), key: null, value: from + i, headers: {}, meta: {} });
  }
  const ticket = new AckTicket('p', messages.map((m) => m.position), new Int32Array(count).fill(1), 0);
  return { ticket, messages, origins: null };
}

const values = (messages: readonly Message[]): unknown[] => messages.map((m) => m.value);

void describe('Batcher', () => {
  void it('is due at once when a full batch is queued', () => {
    const batcher = new Batcher({ maxSize: 3, maxAgeMs: 1000 });
    batcher.add(segment(1, 2), 0);
    assert.equal(batcher.dueInMs(0, false), 1000);
    batcher.add(segment(3, 2), 10);
    assert.equal(batcher.dueInMs(10, false), 0);
    const batch = batcher.take();
    assert.deepEqual(values(batch?.messages ?? []), [1, 2, 3]);
    assert.deepEqual(batch?.slices.map((s) => [s.start, s.end]), [[0, 2], [0, 1]]);
    assert.equal(batcher.size, 1);
  });

  void it('makes a partial batch due when its oldest message reaches the age limit', () => {
    const batcher = new Batcher({ maxSize: 100, maxAgeMs: 50 });
    batcher.add(segment(1, 1), 0);
    batcher.add(segment(2, 1), 40);
    assert.equal(batcher.dueInMs(20, false), 30);
    assert.equal(batcher.dueInMs(50, false), 0);
    assert.deepEqual(values(batcher.take()?.messages ?? []), [1, 2]);
    assert.equal(batcher.dueInMs(60, false), Infinity);
  });

  void it('is due at once while draining', () => {
    const batcher = new Batcher({ maxSize: 100, maxAgeMs: 60_000 });
    batcher.add(segment(1, 1), 0);
    assert.equal(batcher.dueInMs(0, true), 0);
  });

  void it('hands a whole segment over without copying', () => {
    const batcher = new Batcher({ maxSize: 2, maxAgeMs: 1000 });
    const seg = segment(1, 2);
    batcher.add(seg, 0);
    assert.equal(batcher.take()?.messages, seg.messages);
  });

  void it('splits a large segment over several batches in order', () => {
    const batcher = new Batcher({ maxSize: 2, maxAgeMs: 1000 });
    batcher.add(segment(1, 5), 0);
    const taken: unknown[][] = [];
    for (let batch = batcher.take(); batch !== undefined; batch = batcher.take()) taken.push(values(batch.messages));
    assert.deepEqual(taken, [[1, 2], [3, 4], [5]]);
  });

  void it('rejects a non-positive batch size', () => {
    assert.throws(() => new Batcher({ maxSize: 0, maxAgeMs: 1 }), /positive integer/);
  });

  void it('lets go of a taken segment while later ones stay queued', async () => {
    const batcher = new Batcher({ maxSize: 10, maxAgeMs: 1000 });
    const taken = ((): WeakRef<object> => {
      const first = segment(1, 10);
      batcher.add(first, 0);
      batcher.add(segment(11, 5), 0);
      assert.equal(batcher.take()?.messages, first.messages);
      return new WeakRef(first.messages);
    })();
    assert.equal(batcher.size, 5);
    assert.ok(await collected(taken), 'the batcher still holds the messages of a segment it handed out');
  });
});
