// The read side of a polling source: rows of the last poll are handed out in slices of at most
// `max`; a full page is followed by the next poll at once (more rows are waiting), a short one by a
// pause of pollInterval. An aborted signal ends a read with no messages.
import { setTimeout as delay } from 'node:timers/promises';
import type { Message } from '../../message.js';

export interface PollLoopOptions {
  readonly owner: string;
  readonly pageLimit: number;
  readonly pollIntervalMs: number;
  /** True once the source is closed: a read that outlives close() fails instead of reconnecting. */
  readonly isClosed: () => boolean;
}

/** One poll: its messages, or undefined when it was cut short by the abort signal. */
export type Poll = (signal: AbortSignal) => Promise<Message[] | undefined>;

export class PollLoop {
  private readonly options: PollLoopOptions;
  private buffer: Message[] = [];
  private head = 0;
  private nextPollAt = 0;

  constructor(options: PollLoopOptions) {
    this.options = options;
  }

  async read(max: number, signal: AbortSignal, poll: Poll): Promise<Message[]> {
    const { owner, isClosed } = this.options;
    for (;;) {
      if (this.head < this.buffer.length) return this.take(max);
      if (signal.aborted) return [];
      const wait = this.nextPollAt - performance.now();
      if (wait > 0) {
        await delay(wait, undefined, { signal }).catch(() => undefined);
        if (isClosed()) throw new Error(`${owner}: closed during read`);
        continue;
      }
      const messages = await poll(signal);
      if (isClosed()) throw new Error(`${owner}: closed during read`);
      if (messages !== undefined) this.fill(messages);
    }
  }

  private fill(messages: Message[]): void {
    this.buffer = messages;
    this.head = 0;
    const full = messages.length >= this.options.pageLimit;
    this.nextPollAt = full ? 0 : performance.now() + this.options.pollIntervalMs;
  }

  private take(max: number): Message[] {
    const end = Math.min(this.buffer.length, this.head + Math.max(1, max));
    const out = this.buffer.slice(this.head, end);
    this.head = end;
    if (this.head >= this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    }
    return out;
  }
}

/** Rows per poll: readBatchSize, or pages of `pageSize` when readBatchSize is 0 ("no limit"). */
export function pageLimitOf(readBatchSize: number, pageSize: number | undefined): number {
  return readBatchSize > 0 ? readBatchSize : (pageSize ?? DEFAULT_PAGE_SIZE);
}

export const DEFAULT_PAGE_SIZE = 10_000;
export const DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS = 1000;
