import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../errors.js';
import { combineObservers } from '../runtime/observer.js';
import { CountingObserver } from './counts.js';

void describe('CountingObserver', () => {
  void it('counts committed, failed, filtered and dead-lettered messages from observer calls', () => {
    let now = new Date('2026-01-02T03:04:05.000Z');
    const counting = new CountingObserver(undefined, () => now);
    const observer = combineObservers(counting);
    assert.deepEqual(counting.counts(), { processed: 0, errors: 0, filtered: 0, deadLettered: 0 });

    observer.read(10);
    observer.transformed(0, 'filter', 10, 7, 0.001);
    observer.filtered(3);
    observer.written('main', 'stdout', 6, 0.001);
    observer.recordFailed('sink:main', ErrorCode.recordRejected, 1);
    observer.written('errors', 'file', 1, 0.001);
    observer.deadLettered(1);
    observer.committed(10, []);

    assert.deepEqual(counting.counts(), {
      processed: 10,
      errors: 1,
      filtered: 3,
      deadLettered: 1,
      lastProcessedTime: '2026-01-02T03:04:05.000Z',
    });

    now = new Date('2026-01-02T03:04:15.000Z');
    observer.committed(0, []);
    assert.equal(counting.counts().lastProcessedTime, '2026-01-02T03:04:05.000Z', 'an empty commit is no progress');
    observer.committed(2, []);
    assert.equal(counting.counts().processed, 12);
    assert.equal(counting.counts().lastProcessedTime, '2026-01-02T03:04:15.000Z');
  });

  void it('continues from a baseline so a restarted container keeps growing its counts', () => {
    const counting = new CountingObserver({
      processed: 100,
      errors: 2,
      filtered: 5,
      deadLettered: 2,
      lastProcessedTime: '2026-01-01T00:00:00.000Z',
    });
    counting.committed(1);
    counting.recordFailed('decode', ErrorCode.decode, 1);
    const counts = counting.counts();
    assert.equal(counts.processed, 101);
    assert.equal(counts.errors, 3);
    assert.equal(counts.filtered, 5);
  });

  void it('hands out snapshots that later calls do not change', () => {
    const counting = new CountingObserver();
    const before = counting.counts();
    counting.filtered(4);
    assert.equal(before.filtered, 0);
    assert.equal(counting.counts().filtered, 4);
  });
});
