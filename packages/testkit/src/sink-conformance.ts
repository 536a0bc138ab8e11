// The conformance suite every Sink must pass: registers node:test tests that check the plugin
// contract (plugin.ts) — a written batch lands in order, rejected records come back by index as
// non-retriable errors while the rest is written, and close is final and idempotent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Payload, Sink } from '@dataflow/worker';
import { DataflowError } from '@dataflow/worker';
import { makeMessage } from './messages.js';

export interface SinkHarness {
  readonly sink: Sink;
  /** The payloads the target holds now, in write order (JSON values; raw bytes as Uint8Array). */
  written(): Promise<readonly unknown[]>;
  cleanup?(): Promise<void>;
}

export interface SinkConformanceOptions {
  /** Payload of the n-th test message (n from 1); default `{ id: n, name: "item-n" }`. */
  readonly payload?: (n: number) => Payload;
  /** A payload this sink rejects as a record error; leave out for sinks that accept anything. */
  readonly rejectable?: Payload;
  readonly timeoutMs?: number;
}

export function sinkConformance(name: string, makeSink: () => SinkHarness | Promise<SinkHarness>, options: SinkConformanceOptions = {}): void {
  const payload = options.payload ?? ((n: number): Payload => ({ id: n, name: `item-${n}` }));
  const timeoutMs = options.timeoutMs ?? 5000;
  const messages = (from: number, count: number): Message[] =>
    Array.from({ length: count }, (_, i) => makeMessage(payload(from + i), { offset: from + i }));

  async function withSink(body: (harness: SinkHarness) => Promise<void>): Promise<void> {
    const harness = await makeSink();
    try {
      await harness.sink.open(AbortSignal.timeout(timeoutMs));
      await body(harness);
    } finally {
      await harness.sink.close();
      await harness.cleanup?.();
    }
  }

  void describe(`sink conformance: ${name}`, () => {
    void it('writes batches in order and reports no failures', async () => {
      await withSink(async (harness) => {
        const first = await harness.sink.write(messages(1, 5), AbortSignal.timeout(timeoutMs));
        const second = await harness.sink.write(messages(6, 1), AbortSignal.timeout(timeoutMs));
        assert.deepEqual(first.failed, []);
        assert.deepEqual(second.failed, []);
        assert.deepEqual(await harness.written(), [1, 2, 3, 4, 5, 6].map(payload));
      });
    });

    if (options.rejectable !== undefined) {
      const rejectable = options.rejectable;
      void it('reports a rejected record by index as a non-retriable error and writes the rest', async () => {
        await withSink(async (harness) => {
          const batch = [...messages(1, 1), makeMessage(rejectable, { offset: 2 }), ...messages(3, 1)];
          const result = await harness.sink.write(batch, AbortSignal.timeout(timeoutMs));
          assert.equal(result.failed.length, 1);
          const [failure] = result.failed;
          assert.equal(failure?.index, 1);
          assert.ok(failure?.error instanceof DataflowError, 'the failure is a DataflowError');
          assert.equal(failure.error.retriable, false, 'a record failure is not retriable');
          assert.deepEqual(await harness.written(), [payload(1), payload(3)]);
        });
      });
    }

    void it('opens and closes without writing', async () => {
      await withSink(async (harness) => {
        assert.deepEqual(await harness.written(), []);
      });
    });

    void it('refuses writes after close, and close twice is fine', async () => {
      const harness = await makeSink();
      try {
        await harness.sink.open(AbortSignal.timeout(timeoutMs));
        await harness.sink.close();
        await harness.sink.close();
        await assert.rejects(harness.sink.write(messages(1, 1), AbortSignal.timeout(timeoutMs)));
      } finally {
        await harness.cleanup?.();
      }
    });
  });
}
