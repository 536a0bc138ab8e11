import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Position } from '../message.js';
import { AckTracker } from './ack-tracker.js';

const pos = (partition: string, offset: number): Position => ({ partition, offset: String(offset) });
const offsets = (positions: readonly Position[]): string[] => positions.map((p) => `${p.partition}@${p.offset}`);

void describe('AckTracker', () => {
  void it('commits out-of-order sink completions in position order', () => {
    const tracker = new AckTracker();
    const ticket = tracker.track('p', [pos('p', 1), pos('p', 2), pos('p', 3)], Int32Array.of(1, 1, 1));
    tracker.settle(ticket, 2);
    tracker.settle(ticket, 1);
    assert.deepEqual(offsets(tracker.release().positions), [], 'nothing before position 1 is written');
    tracker.settle(ticket, 0);
    assert.deepEqual(offsets(tracker.release().positions), ['p@1', 'p@2', 'p@3']);
    assert.equal(tracker.outstanding, 0);
  });

  void it('holds a later ticket until an earlier ticket of the partition is released', () => {
    const tracker = new AckTracker();
    const first = tracker.track('p', [pos('p', 1)], Int32Array.of(1));
    const second = tracker.track('p', [pos('p', 2), pos('p', 3)], Int32Array.of(1, 1));
    tracker.settleRange(second, null, 0, 2);
    assert.deepEqual(tracker.release().positions, []);
    tracker.settle(first, 0);
    assert.deepEqual(offsets(tracker.release().positions), ['p@1', 'p@2', 'p@3']);
  });

  void it('commits a flatten message only after all of its children', () => {
    const tracker = new AckTracker();
    // position 1 flattened into three children, position 2 a single output
    const ticket = tracker.track('p', [pos('p', 1), pos('p', 2)], Int32Array.of(3, 1));
    const childOrigins = [0, 0, 0, 1];
    tracker.settleRange(ticket, childOrigins, 0, 1);
    tracker.settleRange(ticket, childOrigins, 3, 4);
    assert.deepEqual(tracker.release().positions, []);
    tracker.settleRange(ticket, childOrigins, 1, 2);
    assert.deepEqual(tracker.release().positions, [], 'one child still unwritten');
    tracker.settleRange(ticket, childOrigins, 2, 3);
    assert.deepEqual(offsets(tracker.release().positions), ['p@1', 'p@2']);
  });

  void it('commits a message routed to a failing route once its error record is written', () => {
    const tracker = new AckTracker();
    // position 1 goes to the main sink and to a route; the route rejects it
    const ticket = tracker.track('p', [pos('p', 1), pos('p', 2)], Int32Array.of(2, 1));
    tracker.settleRange(ticket, [0, 1], 0, 2); // main sink wrote both
    // the route's rejection does not settle: the pipeline turns the output into an error record
    assert.deepEqual(tracker.release().positions, []);
    tracker.settle(ticket, 0); // the error sink wrote the record
    assert.deepEqual(offsets(tracker.release().positions), ['p@1', 'p@2']);
  });

  void it('releases filtered messages (no outputs) in order with the rest', () => {
    const tracker = new AckTracker();
    const ticket = tracker.track('p', [pos('p', 1), pos('p', 2), pos('p', 3)], Int32Array.of(0, 1, 0));
    assert.deepEqual(offsets(tracker.release().positions), ['p@1']);
    tracker.settle(ticket, 1);
    assert.deepEqual(offsets(tracker.release().positions), ['p@2', 'p@3']);
  });

  void it('keeps interleaved partitions independent', () => {
    const tracker = new AckTracker();
    const a1 = tracker.track('a', [pos('a', 1)], Int32Array.of(1));
    const b1 = tracker.track('b', [pos('b', 1)], Int32Array.of(1));
    const a2 = tracker.track('a', [pos('a', 2)], Int32Array.of(1));
    const b2 = tracker.track('b', [pos('b', 2)], Int32Array.of(1));
    tracker.settle(b1, 0);
    tracker.settle(b2, 0);
    tracker.settle(a2, 0);
    assert.deepEqual(offsets(tracker.release().positions), ['b@1', 'b@2'], 'a is held by a@1, b is not');
    tracker.settle(a1, 0);
    assert.deepEqual(offsets(tracker.release().positions), ['a@1', 'a@2']);
    assert.equal(tracker.outstanding, 0);
  });

  void it('rejects settling more outputs than a position has', () => {
    const tracker = new AckTracker();
    const ticket = tracker.trackOne(pos('p', 1), 1);
    tracker.settle(ticket, 0);
    assert.throws(() => tracker.settle(ticket, 0), /p@1 settled more often/);
  });

  void it('reports one latency sample per released run', () => {
    let now = 1000;
    const tracker = new AckTracker(() => now);
    const ticket = tracker.track('p', [pos('p', 1), pos('p', 2)], Int32Array.of(1, 1));
    now = 1500;
    tracker.settleRange(ticket, null, 0, 2);
    assert.deepEqual(tracker.release().latencySeconds, [0.5]);
  });
});
