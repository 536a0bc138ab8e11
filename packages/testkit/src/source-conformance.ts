// The conformance suite every Source must pass: registers node:test tests that check the plugin
// contract (plugin.ts) — order per partition, `max` respected, acks of delivered positions,
// prompt empty reads on abort, finite sources report done(), no use after close.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Position, Source } from '@dataflow/worker';

export interface SourceHarness {
  readonly source: Source;
  /** Removes files, stops helpers. */
  cleanup?(): Promise<void>;
}

export interface SourceConformanceOptions {
  /** How many messages the source delivers (finite) or delivers at least (unbounded). Default 10. */
  readonly expected?: number;
  /** The source ends by itself (done() turns true after `expected` messages). */
  readonly finite: boolean;
  /** Orders two offsets of one partition; default: as integers. */
  readonly compareOffsets?: (a: string, b: string) => number;
  /** The source refuses an ack of a position it never delivered. */
  readonly rejectsUndeliveredAck?: boolean;
  /** Upper bound for any one step (default 5 s). */
  readonly timeoutMs?: number;
}

const byInteger = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export function sourceConformance(name: string, makeSource: () => SourceHarness | Promise<SourceHarness>, options: SourceConformanceOptions): void {
  const expected = options.expected ?? 10;
  const compare = options.compareOffsets ?? byInteger;
  const timeoutMs = options.timeoutMs ?? 5000;

  /** Opens a fresh source, runs `body`, closes and cleans up whatever happens. */
  async function withSource(body: (source: Source) => Promise<void>): Promise<void> {
    const harness = await makeSource();
    try {
      await harness.source.open(AbortSignal.timeout(timeoutMs));
      await body(harness.source);
    } finally {
      await harness.source.close();
      await harness.cleanup?.();
    }
  }

  /** Reads until `expected` messages arrived (or a finite source is done), `max` at a time. */
  async function readExpected(source: Source, max: number): Promise<Message[]> {
    const out: Message[] = [];
    const signal = AbortSignal.timeout(timeoutMs);
    while (out.length < expected) {
      const batch = await source.read(max, signal);
      assert.ok(batch.length <= max, `read(${max}) returned ${batch.length} messages`);
      out.push(...batch);
      if (batch.length === 0) {
        if (options.finite && source.done()) break;
        assert.ok(!signal.aborted, `only ${out.length} of ${expected} messages arrived within ${timeoutMs} ms`);
      }
    }
    return out;
  }

  void describe(`source conformance: ${name}`, () => {
    void it('delivers complete messages in position order per partition, at most max per read', async () => {
      await withSource(async (source) => {
        const messages = await readExpected(source, 3);
        assert.ok(messages.length >= expected, `expected ${expected} messages, got ${messages.length}`);
        if (options.finite) assert.equal(messages.length, expected, 'a finite source delivers exactly its messages');
        const last = new Map<string, string>();
        const ids = new Set<string>();
        for (const message of messages) {
          assert.equal(typeof message.id, 'string');
          assert.ok(!ids.has(message.id), `message id ${message.id} repeats`);
          ids.add(message.id);
          assert.ok(message.timestamp instanceof Date && !Number.isNaN(message.timestamp.getTime()), 'timestamp is a valid Date');
          assert.equal(typeof message.headers, 'object');
          assert.equal(typeof message.meta, 'object');
          const { partition, offset } = message.position;
          const previous = last.get(partition);
          if (previous !== undefined) assert.ok(compare(previous, offset) < 0, `partition ${partition}: offset ${offset} came after ${previous}`);
          last.set(partition, offset);
        }
      });
    });

    void it('accepts acks of delivered positions in order per partition', async () => {
      await withSource(async (source) => {
        const messages = await readExpected(source, expected);
        const positions = messages.map((m) => m.position);
        const half = Math.ceil(positions.length / 2);
        await source.ack(positions.slice(0, half));
        await source.ack(positions.slice(half));
        await source.ack([]);
        if (options.rejectsUndeliveredAck === true) {
          const last = positions.at(-1) as Position;
          const beyond: Position = { partition: last.partition, offset: String(BigInt(last.offset) + 1000n) };
          await assert.rejects(source.ack([beyond]), 'an ack of a position never delivered is refused');
        }
      });
    });

    if (options.finite) {
      void it('reports done() after its last message and then reads [] at once', async () => {
        await withSource(async (source) => {
          await readExpected(source, expected + 1);
          let guard = 0;
          while (!source.done() && guard++ < 3) assert.deepEqual(await source.read(5, AbortSignal.timeout(timeoutMs)), []);
          assert.equal(source.done(), true);
          assert.deepEqual(await source.read(5, AbortSignal.timeout(timeoutMs)), []);
        });
      });
    } else {
      void it('returns [] promptly when a waiting read is aborted', async () => {
        await withSource(async (source) => {
          await readExpected(source, expected);
          // Drain whatever is immediately available, then wait on an empty source.
          const controller = new AbortController();
          const started = performance.now();
          setTimeout(() => controller.abort(), 50);
          let result: Message[];
          do result = await source.read(1000, controller.signal);
          while (result.length > 0 && !controller.signal.aborted);
          assert.ok(performance.now() - started < timeoutMs, 'the aborted read returned in time');
          assert.deepEqual(await source.read(1000, controller.signal), [], 'reads on an aborted signal are empty once nothing is buffered');
          assert.equal(source.done(), false, 'an unbounded source is never done');
        });
      });
    }

    void it('resolves a read with an already aborted signal without hanging', async () => {
      await withSource(async (source) => {
        const result = await source.read(5, AbortSignal.abort());
        assert.ok(result.length <= 5);
      });
    });

    void it('refuses reads after close, and close twice is fine', async () => {
      const harness = await makeSource();
      try {
        await harness.source.open(AbortSignal.timeout(timeoutMs));
        await harness.source.close();
        await harness.source.close();
        await assert.rejects(harness.source.read(1, AbortSignal.timeout(timeoutMs)));
      } finally {
        await harness.cleanup?.();
      }
    });
  });
}
