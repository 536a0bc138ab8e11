// A keyed work queue with client-go's semantics (house-style.md §1.1, controller-runtime 8):
//   - a key is "dirty" (needs a pass) and/or "processing" (a worker has it);
//   - adding a dirty key is a no-op, so a burst of events collapses into one pass;
//   - adding a key that is being processed only marks it dirty; it is queued again when the worker
//     calls done(), so one key is never reconciled twice at the same time;
//   - addAfter delays an add (the earliest pending time wins); addRateLimited delays by the key's
//     exponential backoff (5 ms · 2^failures, capped at 1000 s) until forget() resets it.
import type { ObjectKey } from '../kube/objects.js';
import { systemClock } from './clock.js';
import type { Clock, Timer } from './clock.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay; default 5 ms. */
  baseDelayMs?: number;
  /** Longest retry delay; default 1000 s. */
  maxDelayMs?: number;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1_000_000;

export class WorkQueue {
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: ObjectKey[] = [];
  private readonly dirty = new Set<ObjectKey>();
  private readonly processing = new Set<ObjectKey>();
  private readonly failures = new Map<ObjectKey, number>();
  private readonly delayed = new Map<ObjectKey, { at: number; timer: Timer }>();
  private readonly waiters: Array<(key: ObjectKey | undefined) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  }

  add(key: ObjectKey): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  addAfter(key: ObjectKey, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      pending.timer.cancel();
    }
    const timer = this.clock.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, timer });
  }

  /** Re-adds after the key's backoff and counts one more failure. */
  addRateLimited(key: ObjectKey): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, this.backoffMs(failures));
  }

  /** The delay addRateLimited uses after `failures` earlier failures. */
  backoffMs(failures: number): number {
    // 2^failures overflows to Infinity after ~1000 failures; Math.min keeps the cap.
    return Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs);
  }

  /** The key succeeded: its next failure starts the backoff from the beginning. */
  forget(key: ObjectKey): void {
    this.failures.delete(key);
  }

  numRequeues(key: ObjectKey): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting to be handed out (not counting delayed ones or those being processed). */
  get length(): number {
    return this.queue.length;
  }

  /**
   * The next key to work on; it stays "processing" until done(). Resolves to undefined when the queue
   * shuts down or `signal` aborts.
   */
  get(signal?: AbortSignal): Promise<ObjectKey | undefined> {
    if (this.shuttingDown || signal?.aborted === true) return Promise.resolve(undefined);
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(this.take(next));
    return new Promise((resolve) => {
      const waiter = (key: ObjectKey | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(key === undefined ? undefined : this.take(key));
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  done(key: ObjectKey): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.processing.size === 0) for (const idle of this.idleWaiters.splice(0)) idle();
  }

  /**
   * Stops the queue: adds are ignored, pending delays are dropped, waiting get() calls resolve to
   * undefined. Keys not yet handed out are abandoned (the next leader lists everything anyway).
   */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    this.queue.length = 0;
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Shuts down and resolves when every key handed out has been marked done. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private enqueue(key: ObjectKey): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(key);
    else this.queue.push(key);
  }

  private take(key: ObjectKey): ObjectKey {
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }
}
