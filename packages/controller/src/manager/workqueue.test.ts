import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, settle } from '../testing/fake-clock.js';
import { WorkQueue } from './workqueue.js';

void describe('WorkQueue', () => {
  void it('collapses repeated adds of a waiting key into one', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    assert.equal(queue.length, 2);
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), 'ns/b');
    assert.equal(queue.length, 0);
  });

  void it('never hands out a key that is being processed; re-adds it after done()', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    queue.add('ns/a');
    const key = await queue.get();
    assert.equal(key, 'ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    assert.equal(queue.length, 0, 'dirty while processing, not queued');
    queue.done('ns/a');
    assert.equal(queue.length, 1);
    assert.equal(await queue.get(), 'ns/a');
    queue.done('ns/a');
    assert.equal(queue.length, 0);
  });

  void it('wakes a waiting worker when a key arrives', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    const waiting = queue.get();
    queue.add('ns/a');
    assert.equal(await waiting, 'ns/a');
  });

  void it('adds after a delay, the earliest pending time winning', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('ns/a', 1000);
    queue.addAfter('ns/a', 5000);
    queue.addAfter('ns/a', 400);
    await clock.advance(399);
    assert.equal(queue.length, 0);
    await clock.advance(1);
    assert.equal(queue.length, 1);
    await clock.advance(10_000);
    assert.equal(queue.length, 1, 'the later timers were replaced, not added');
  });

  void it('backs off per key exponentially from 5 ms to 1000 s and forgets on success', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    assert.deepEqual([0, 1, 2, 3, 10].map((n) => queue.backoffMs(n)), [5, 10, 20, 40, 5120]);
    assert.equal(queue.backoffMs(30), 1_000_000);
    assert.equal(queue.backoffMs(5000), 1_000_000);

    queue.addRateLimited('ns/a');
    queue.addRateLimited('ns/a');
    assert.equal(queue.numRequeues('ns/a'), 2);
    queue.addRateLimited('ns/b');
    await clock.advance(5);
    assert.equal(await queue.get(), 'ns/a', 'the earliest delay (5 ms) wins for a');
    assert.equal(await queue.get(), 'ns/b');
    queue.forget('ns/a');
    assert.equal(queue.numRequeues('ns/a'), 0);
    assert.equal(queue.numRequeues('ns/b'), 1, 'backoff is per key');
  });

  void it('shuts down: waiters get undefined, adds are ignored, drain waits for running keys', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    queue.add('ns/a');
    const key = await queue.get();
    assert.equal(key, 'ns/a');
    const waiting = queue.get();
    queue.addAfter('ns/b', 100);
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    assert.equal(await waiting, undefined);
    queue.add('ns/c');
    assert.equal(queue.length, 0);
    await settle();
    assert.equal(drained, false, 'ns/a is still being processed');
    queue.done('ns/a');
    await drain;
    assert.equal(drained, true);
    await clock.advance(1000);
    assert.equal(await queue.get(), undefined);
    assert.equal(clock.pending, 0, 'delayed adds were cancelled');
  });

  void it('returns undefined to a get whose signal aborts', async () => {
    const queue = new WorkQueue({ clock: new FakeClock() });
    const abort = new AbortController();
    const waiting = queue.get(abort.signal);
    abort.abort();
    assert.equal(await waiting, undefined);
    queue.add('ns/a');
    assert.equal(queue.length, 1, 'the aborted waiter did not swallow the key');
  });
});
