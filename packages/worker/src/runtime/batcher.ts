// Per-sink batching by count and age. Messages arrive as segments (the outputs of one read batch
// for this sink, with the ack ticket they settle); a batch is cut when `maxSize` messages are
// queued, when the oldest queued message is `maxAgeMs` old, or at once while draining. Upstream had
// no age limit, so a quiet flow kept a partial batch (and its offsets) forever (§9.4 item 28).
// The timer that acts on `dueInMs` lives in the sink lane; this class is pure bookkeeping.
import type { Message } from '../message.js';
import type { AckTicket } from './ack-tracker.js';

export interface BatchPolicy {
  /** Messages per write, at most. */
  readonly maxSize: number;
  /** A partial batch is written once its oldest message waited this long. */
  readonly maxAgeMs: number;
}

export const DEFAULT_BATCH_POLICY: BatchPolicy = Object.freeze({ maxSize: 500, maxAgeMs: 1000 });

/** Outputs of one read batch bound for one sink. */
export interface Segment {
  readonly ticket: AckTicket;
  readonly messages: readonly Message[];
  /** `origins[i]` = index in `ticket.positions` that message i derives from; null = i itself. */
  readonly origins: readonly number[] | null;
}

/** A part of a segment that went into a batch. */
export interface BatchSlice {
  readonly segment: Segment;
  readonly start: number;
  readonly end: number;
}

export interface Batch {
  readonly messages: readonly Message[];
  /** In batch order: batch index k belongs to the slice covering it. */
  readonly slices: readonly BatchSlice[];
}

interface Queued {
  readonly segment: Segment;
  readonly addedAtMs: number;
}

export class Batcher {
  readonly policy: BatchPolicy;
  /** Segments from headIndex on; slots before it are emptied as their segments are taken. */
  private readonly queue: (Queued | undefined)[] = [];
  private headIndex = 0;
  /** Messages of the head segment already taken. */
  private headOffset = 0;
  private queued = 0;

  constructor(policy: BatchPolicy) {
    if (!Number.isInteger(policy.maxSize) || policy.maxSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${policy.maxSize}`);
    }
    if (!(policy.maxAgeMs >= 0)) throw new RangeError(`batch age must be >= 0 ms, got ${policy.maxAgeMs}`);
    this.policy = policy;
  }

  /** Messages queued and not taken yet. */
  get size(): number {
    return this.queued;
  }

  add(segment: Segment, nowMs: number): void {
    if (segment.messages.length === 0) return;
    this.queue.push({ segment, addedAtMs: nowMs });
    this.queued += segment.messages.length;
  }

  /**
   * Milliseconds until a batch should be cut: 0 = now, Infinity = nothing queued.
   * While draining any queued message is due at once.
   */
  dueInMs(nowMs: number, draining: boolean): number {
    if (this.queued === 0) return Infinity;
    if (draining || this.queued >= this.policy.maxSize) return 0;
    const oldest = this.queue[this.headIndex] as Queued;
    return Math.max(0, oldest.addedAtMs + this.policy.maxAgeMs - nowMs);
  }

  /** Cuts the next batch of up to `maxSize` messages, oldest first; undefined when empty. */
  take(): Batch | undefined {
    if (this.queued === 0) return undefined;
    const want = Math.min(this.policy.maxSize, this.queued);
    const first = (this.queue[this.headIndex] as Queued).segment;
    // Common case: one whole segment makes the batch, no copying.
    if (this.headOffset === 0 && first.messages.length === want) {
      this.advanceHead(want);
      return { messages: first.messages, slices: [{ segment: first, start: 0, end: want }] };
    }
    const messages: Message[] = [];
    const slices: BatchSlice[] = [];
    while (messages.length < want) {
      const segment = (this.queue[this.headIndex] as Queued).segment;
      const start = this.headOffset;
      const end = Math.min(segment.messages.length, start + (want - messages.length));
      for (let i = start; i < end; i++) messages.push(segment.messages[i] as Message);
      slices.push({ segment, start, end });
      this.advanceHead(end - start);
    }
    return { messages, slices };
  }

  private advanceHead(taken: number): void {
    this.queued -= taken;
    const head = this.queue[this.headIndex] as Queued;
    this.headOffset += taken;
    if (this.headOffset < head.segment.messages.length) return;
    this.headOffset = 0;
    // Drop the taken segment now: a slot kept until the next compaction held its messages (up to
    // 1,024 segments of them) in memory long after they were written — 200,000 messages, hundreds
    // of MB, in the Kafka → Kafka benchmark.
    this.queue[this.headIndex] = undefined;
    this.headIndex++;
    // Compact now and then instead of shifting on every take.
    if (this.headIndex === this.queue.length) {
      this.queue.length = 0;
      this.headIndex = 0;
    } else if (this.headIndex >= 1024) {
      this.queue.splice(0, this.headIndex);
      this.headIndex = 0;
    }
  }
}
