import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../message.js';
import { PollLoop, pageLimitOf } from './poll-loop.js';

function messages(from: number, count: number): Message[] {
  return Array.from({ length: count }, (_, i) => {
    const offset = String(from + i);
    return { id: offset, position: { partition: 'p', offset }, timestamp: new Date(0), key: null, value: { n: from + i }, headers: {}, meta: {} };
  });
}

const ids = (batch: Message[]): string[] => batch.map((m) => m.id);

void describe('polling read loop', () => {
  void it('hands out a poll in slices of max and polls again at once after a full page', async () => {
    const pages = [messages(1, 3), messages(4, 1)];
    let polls = 0;
    const loop = new PollLoop({ owner: 'src', pageLimit: 3, pollIntervalMs: 60_000, isClosed: () => false });
    const poll = (): Promise<Message[]> => Promise.resolve(pages[polls++] ?? []);
    const signal = new AbortController().signal;
    assert.deepEqual(ids(await loop.read(2, signal, poll)), ['1', '2']);
    assert.deepEqual(ids(await loop.read(2, signal, poll)), ['3']);
    assert.deepEqual(ids(await loop.read(0, signal, poll)), ['4'], 'max 0 still returns one message');
    assert.equal(polls, 2);
  });

  void it('waits pollInterval after a short page, and an abort ends the wait with nothing', async () => {
    let polls = 0;
    const loop = new PollLoop({ owner: 'src', pageLimit: 10, pollIntervalMs: 60_000, isClosed: () => false });
    const poll = (): Promise<Message[]> => Promise.resolve(polls++ === 0 ? messages(1, 1) : []);
    const controller = new AbortController();
    assert.equal((await loop.read(5, controller.signal, poll)).length, 1);
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    assert.deepEqual(await loop.read(5, controller.signal, poll), []);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(polls, 1, 'no poll during the interval');
  });

  void it('returns nothing when a poll is cut short by the abort', async () => {
    const controller = new AbortController();
    const loop = new PollLoop({ owner: 'src', pageLimit: 10, pollIntervalMs: 1, isClosed: () => false });
    const result = await loop.read(5, controller.signal, () => {
      controller.abort();
      return Promise.resolve(undefined);
    });
    assert.deepEqual(result, []);
  });

  void it('fails a read that outlives close', async () => {
    let closed = false;
    const loop = new PollLoop({ owner: 'src', pageLimit: 10, pollIntervalMs: 1, isClosed: () => closed });
    const poll = (): Promise<Message[]> => {
      closed = true;
      return Promise.resolve(messages(1, 1));
    };
    await assert.rejects(loop.read(5, new AbortController().signal, poll), /src: closed during read/);
  });

  void it('uses readBatchSize as the page, or pages of pageSize when it is 0', () => {
    assert.equal(pageLimitOf(50, 7), 50);
    assert.equal(pageLimitOf(0, 7), 7);
    assert.equal(pageLimitOf(0, undefined), 10_000);
  });
});
