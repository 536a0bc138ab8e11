// Several batches in flight per sink (Sink.concurrentWrites): writes finishing out of order
// still commit in position order, conflicting batches never overlap (retries included), and a sink
// that declares nothing is written one batch at a time. Also: the source's lag reaches the observer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError } from '../errors.js';
import type { Message, Position } from '../message.js';
import type { Sink, Source, WriteResult } from '../plugin.js';
import { ALL_WRITTEN } from '../plugin.js';
import { noopObserver } from './observer.js';
import { LAG_REPORT_INTERVAL_MS, runPipeline } from './pipeline.js';
import type { RetryEnv } from './retry.js';

const instantRetries: RetryEnv = { sleep: () => Promise.resolve(), random: () => 0.5 };

function message(partition: string, offset: number, key: number): Message {
  return {
    id: `${partition}@${offset}`,
    position: { partition, offset: String(offset) },
    timestamp: new Date(0),
    key: null,
    value: { key, offset },
    headers: {},
    meta: {},
  };
}

/** Hands out `messages` `perRead` at a time, records every ack call, then reports done. */
class ListSource implements Source {
  readonly acks: Position[][] = [];
  private readonly messages: readonly Message[];
  private readonly perRead: number;
  private next = 0;
  constructor(messages: readonly Message[], perRead: number) {
    this.messages = messages;
    this.perRead = perRead;
  }
  open(): Promise<void> {
    return Promise.resolve();
  }
  read(max: number): Promise<Message[]> {
    const end = Math.min(this.messages.length, this.next + Math.min(max, this.perRead));
    const out = this.messages.slice(this.next, end);
    this.next = end;
    return Promise.resolve(out);
  }
  done(): boolean {
    return this.next >= this.messages.length;
  }
  ack(positions: readonly Position[]): Promise<void> {
    this.acks.push([...positions]);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface PendingWrite {
  readonly batch: readonly Message[];
  readonly finish: (result: WriteResult | Error) => void;
}

/** A sink whose writes stay pending until the test finishes them, in any order. */
class ControlledSink implements Sink {
  readonly concurrentWrites: number;
  readonly pending: PendingWrite[] = [];
  readonly written: number[][] = [];
  inFlight = 0;
  maxSeen = 0;
  private readonly keysOf: ((batch: readonly Message[]) => ReadonlySet<string> | undefined) | undefined;
  private waiter: (() => void) | undefined;

  constructor(concurrentWrites?: number, keysOf?: (batch: readonly Message[]) => ReadonlySet<string> | undefined) {
    // 1 is what the runtime assumes when a sink declares nothing.
    this.concurrentWrites = concurrentWrites ?? 1;
    this.keysOf = keysOf;
  }

  conflictKeys(batch: readonly Message[]): ReadonlySet<string> | undefined {
    return this.keysOf === undefined ? new Set() : this.keysOf(batch);
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  write(batch: readonly Message[]): Promise<WriteResult> {
    this.inFlight++;
    this.maxSeen = Math.max(this.maxSeen, this.inFlight);
    return new Promise<WriteResult>((resolve, reject) => {
      this.pending.push({
        batch,
        finish: (result) => {
          this.inFlight--;
          if (result instanceof Error) reject(result);
          else {
            this.written.push(batch.map((m) => (m.value as { offset: number }).offset));
            resolve(result);
          }
        },
      });
      this.waiter?.();
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves once `count` writes are pending. */
  async pendingCount(count: number): Promise<void> {
    while (this.pending.length < count) {
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    // Let the lane take its next step (it must not start more than it may).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  take(index: number): PendingWrite {
    const [write] = this.pending.splice(index, 1);
    assert.ok(write !== undefined, `no pending write at ${index}`);
    return write;
  }
}

const offsetsOf = (acks: readonly Position[][]): number[] => acks.flat().map((p) => Number(p.offset));
const byKey = (batch: readonly Message[]): ReadonlySet<string> => new Set(batch.map((m) => String((m.value as { key: number }).key)));

function run(source: Source, sink: Sink, maxSize: number): ReturnType<typeof runPipeline> {
  return runPipeline({ source, sourceType: 'list', main: { name: 'main', type: 'controlled', sink, batch: { maxSize, maxAgeMs: 0 } }, retryEnv: instantRetries });
}

void describe('pipelined sink writes', () => {
  void it('has two batches in flight and commits in position order when the second finishes first', async () => {
    const messages = Array.from({ length: 6 }, (_, i) => message('p', i, i));
    const source = new ListSource(messages, 3);
    const sink = new ControlledSink(2, byKey);
    const done = run(source, sink, 3);

    await sink.pendingCount(2);
    assert.equal(sink.inFlight, 2, 'the second batch is sent before the first finished');
    sink.take(1).finish(ALL_WRITTEN); // offsets 3..5
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(offsetsOf(source.acks), [], 'nothing is committed past the unwritten first batch');
    sink.take(0).finish(ALL_WRITTEN); // offsets 0..2
    const summary = await done;
    assert.deepEqual(offsetsOf(source.acks), [0, 1, 2, 3, 4, 5], 'commits in order, each position once');
    assert.equal(summary.committed, 6);
    assert.deepEqual(sink.written, [[3, 4, 5], [0, 1, 2]]);
  });

  void it('keeps commits of several partitions in order per partition with writes finishing in reverse', async () => {
    const messages: Message[] = [];
    for (let i = 0; i < 4; i++) messages.push(message('a', i, i), message('b', i, 100 + i));
    const source = new ListSource(messages, 2);
    const sink = new ControlledSink(3, byKey);
    const done = run(source, sink, 2);
    await sink.pendingCount(3);
    assert.equal(sink.maxSeen, 3);
    for (let i = sink.pending.length - 1; i >= 0; i--) sink.take(i).finish(ALL_WRITTEN);
    await sink.pendingCount(1);
    sink.take(0).finish(ALL_WRITTEN);
    await done;
    for (const partition of ['a', 'b']) {
      const order = source.acks.flat().filter((p) => p.partition === partition).map((p) => Number(p.offset));
      assert.deepEqual(order, [0, 1, 2, 3], `partition ${partition} commits in order`);
    }
  });

  void it('does not start a batch that shares a key with a write in flight until that write succeeded, retries included', async () => {
    // Batches of 2: [k1,k2] [k3,k1] [k4,k5]; the second conflicts with the first (k1).
    const keys = [1, 2, 3, 1, 4, 5];
    const source = new ListSource(
      keys.map((key, i) => message('p', i, key)),
      2,
    );
    const sink = new ControlledSink(3, byKey);
    const done = run(source, sink, 2);

    await sink.pendingCount(1);
    assert.equal(sink.pending.length, 1, 'the conflicting second batch waits; the third waits behind it');
    // The first write fails retriably: its retry must still come before the conflicting batch.
    sink.take(0).finish(new ConnectionError('connection lost'));
    await sink.pendingCount(1);
    const retried = sink.take(0);
    assert.deepEqual(
      retried.batch.map((m) => m.position.offset),
      ['0', '1'],
      'the retry of the first batch is the only write in flight',
    );
    retried.finish(ALL_WRITTEN);
    await sink.pendingCount(2);
    assert.deepEqual(
      sink.pending.map((w) => w.batch.map((m) => m.position.offset)),
      [
        ['2', '3'],
        ['4', '5'],
      ],
      'after it, the conflicting batch and the independent one go together',
    );
    sink.take(1).finish(ALL_WRITTEN);
    sink.take(0).finish(ALL_WRITTEN);
    await done;
    assert.deepEqual(sink.written, [[0, 1], [4, 5], [2, 3]]);
    assert.deepEqual(offsetsOf(source.acks), [0, 1, 2, 3, 4, 5]);
  });

  void it('writes a batch whose keys are unknown alone', async () => {
    const source = new ListSource(
      [0, 1, 2, 3].map((i) => message('p', i, i)),
      2,
    );
    const sink = new ControlledSink(2, (batch) => ((batch[0]?.value as { offset: number }).offset === 0 ? undefined : byKey(batch)));
    const done = run(source, sink, 2);
    await sink.pendingCount(1);
    assert.equal(sink.pending.length, 1, 'the next batch waits for the one with unknown keys');
    sink.take(0).finish(ALL_WRITTEN);
    await sink.pendingCount(1);
    sink.take(0).finish(ALL_WRITTEN);
    await done;
    assert.equal(sink.maxSeen, 1);
  });

  void it('writes one batch at a time through a sink that allows one write', async () => {
    const source = new ListSource(
      Array.from({ length: 6 }, (_, i) => message('p', i, i)),
      2,
    );
    const sink = new ControlledSink(undefined);
    const done = run(source, sink, 2);
    for (let i = 0; i < 3; i++) {
      await sink.pendingCount(1);
      assert.equal(sink.pending.length, 1);
      sink.take(0).finish(ALL_WRITTEN);
    }
    await done;
    assert.equal(sink.maxSeen, 1);
    assert.deepEqual(offsetsOf(source.acks), [0, 1, 2, 3, 4, 5]);
  });
});

void describe('source lag reports', () => {
  void it('hands the source lag to the observer while the flow runs and once at its end', async () => {
    const source = new ListSource([message('p', 0, 0)], 1);
    let calls = 0;
    const lagging: Source = Object.assign(source, { lag: () => [{ topic: 't', partition: calls++, lag: 1 }] });
    const reports: number[][] = [];
    const sink = new ControlledSink(1);
    const done = runPipeline({
      source: lagging,
      sourceType: 'list',
      main: { name: 'main', type: 'controlled', sink, batch: { maxSize: 1, maxAgeMs: 0 } },
      retryEnv: instantRetries,
      observer: { ...noopObserver, sourceLag: (lags) => reports.push(lags.map((l) => l.partition)) },
    });
    await sink.pendingCount(1);
    await new Promise<void>((resolve) => setTimeout(resolve, LAG_REPORT_INTERVAL_MS + 200));
    sink.take(0).finish(ALL_WRITTEN);
    await done;
    assert.ok(reports.length >= 2, `a report a second while running plus one at the end, got ${reports.length}`);
    assert.deepEqual(reports.at(-1), [reports.length - 1]);
  });
});
