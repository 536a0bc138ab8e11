// The flow counts a worker reports into the DataFlow status (decisions.md §4): processed, errors,
// filtered, dead-lettered and the time of the last commit. They are fed by the same observer calls
// as the metrics, so the status and /metrics never disagree about what happened.
import type { PipelineObserver } from '../runtime/observer.js';

export interface FlowCounts {
  /** Source messages fully handled and committed (written, filtered or dead-lettered). */
  readonly processed: number;
  /** Record-level failures (decode, transform, route, sink write), each one also dead-lettered or fatal. */
  readonly errors: number;
  /** Source messages that produced no output. */
  readonly filtered: number;
  /** Records written to the error sink. */
  readonly deadLettered: number;
  /** RFC 3339 time of the last commit; absent until something was committed. */
  readonly lastProcessedTime?: string;
}

export const ZERO_COUNTS: FlowCounts = Object.freeze({ processed: 0, errors: 0, filtered: 0, deadLettered: 0 });

/**
 * Counts since this process started, on top of a `baseline` (what this pod reported before a
 * container restart), so the counts a pod reports only ever grow. Read with `counts()`.
 */
export class CountingObserver implements PipelineObserver {
  private processed: number;
  private errors: number;
  private filteredCount: number;
  private deadLetteredCount: number;
  private lastProcessedTime: string | undefined;
  private readonly now: () => Date;

  constructor(baseline: FlowCounts = ZERO_COUNTS, now: () => Date = () => new Date()) {
    this.processed = baseline.processed;
    this.errors = baseline.errors;
    this.filteredCount = baseline.filtered;
    this.deadLetteredCount = baseline.deadLettered;
    this.lastProcessedTime = baseline.lastProcessedTime;
    this.now = now;
  }

  /** A snapshot; later observer calls do not change it. */
  counts(): FlowCounts {
    const counts = {
      processed: this.processed,
      errors: this.errors,
      filtered: this.filteredCount,
      deadLettered: this.deadLetteredCount,
    };
    return this.lastProcessedTime === undefined ? counts : { ...counts, lastProcessedTime: this.lastProcessedTime };
  }

  read(): void {}
  transformed(): void {}
  written(): void {}
  writeRetried(): void {}
  queueSize(): void {}
  connection(): void {}

  filtered(count: number): void {
    this.filteredCount += count;
  }

  recordFailed(_stage: string, _errorType: string, count: number): void {
    this.errors += count;
  }

  deadLettered(count: number): void {
    this.deadLetteredCount += count;
  }

  committed(count: number): void {
    if (count <= 0) return;
    this.processed += count;
    this.lastProcessedTime = this.now().toISOString();
  }
}
