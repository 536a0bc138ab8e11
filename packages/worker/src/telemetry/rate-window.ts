// A sliding-window sum in one-second slots, read at scrape time. Upstream recomputed its
// throughput and success-rate gauges only when a message arrived, so an idle flow kept reporting
// its last busy value forever (upstream-reference.md §9.4 item 34); reading a window at scrape time
// makes them fall to zero once traffic stops.

export type Clock = () => number;

export class RateWindow {
  private readonly slots: Float64Array;
  /** The second each slot currently holds; a slot from an older second counts as empty. */
  private readonly slotSecond: Float64Array;
  private readonly windowSeconds: number;
  private readonly now: Clock;
  private readonly startedAt: number;

  constructor(windowSeconds: number, now: Clock = Date.now) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
      throw new RangeError(`RateWindow: windowSeconds must be a positive integer, got ${windowSeconds}`);
    }
    this.windowSeconds = windowSeconds;
    this.slots = new Float64Array(windowSeconds);
    this.slotSecond = new Float64Array(windowSeconds).fill(-1);
    this.now = now;
    this.startedAt = now();
  }

  add(value: number): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % this.windowSeconds;
    if (this.slotSecond[slot] !== second) {
      this.slotSecond[slot] = second;
      this.slots[slot] = 0;
    }
    this.slots[slot] = (this.slots[slot] ?? 0) + value;
  }

  /** Sum of the values added during the last `windowSeconds` seconds (the current one included). */
  sum(): number {
    const current = Math.floor(this.now() / 1000);
    let total = 0;
    for (let slot = 0; slot < this.windowSeconds; slot++) {
      const second = this.slotSecond[slot] ?? -1;
      if (second > current - this.windowSeconds && second <= current) total += this.slots[slot] ?? 0;
    }
    return total;
  }

  /**
   * Per-second rate over the window. Right after start the window is not full yet, so the rate
   * divides by the time actually elapsed (at least one second) instead of under-reporting.
   */
  perSecond(): number {
    const elapsedSeconds = Math.max(1, Math.min(this.windowSeconds, (this.now() - this.startedAt) / 1000));
    return this.sum() / elapsedSeconds;
  }
}
