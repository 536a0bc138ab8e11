// Readiness and liveness of a running flow, derived from the pipeline's observer calls (the
// pipeline has no health API of its own):
// - ready: the source and every sink (main, routes, error sink) reported themselves open, and none
//   has closed or failed since;
// - live: the flow is not wedged, i.e. while messages are in flight (read but not committed) some
//   progress is seen — a read, a write, a retried write, a failure, a commit — at least every
//   `stallAfterMs`. A sink that retries with backoff is progressing; a write that hangs forever is not.
import type { PipelineObserver } from './runtime/observer.js';

export const DEFAULT_STALL_AFTER_MS = 5 * 60_000;

export interface ConnectorName {
  readonly role: 'source' | 'sink';
  readonly name: string;
}

export interface FlowHealthOptions {
  /** Every connector the flow opens (the pipeline names its source `source`). */
  readonly connectors: readonly ConnectorName[];
  /** Default 5 minutes. */
  readonly stallAfterMs?: number;
  /** Milliseconds clock (tests inject one). */
  readonly now?: () => number;
}

export class FlowHealth implements PipelineObserver {
  private readonly expected: ReadonlySet<string>;
  private readonly up = new Set<string>();
  private readonly stallAfterMs: number;
  private readonly now: () => number;
  private inFlight = 0;
  private lastProgress: number;

  constructor(options: FlowHealthOptions) {
    this.expected = new Set(options.connectors.map((c) => key(c.role, c.name)));
    this.stallAfterMs = options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
    this.now = options.now ?? (() => performance.now());
    this.lastProgress = this.now();
  }

  isReady(): boolean {
    for (const connector of this.expected) if (!this.up.has(connector)) return false;
    return true;
  }

  isLive(): boolean {
    return this.inFlight === 0 || this.now() - this.lastProgress < this.stallAfterMs;
  }

  connection(role: 'source' | 'sink', name: string, _type: string, up: boolean): void {
    if (up) this.up.add(key(role, name));
    else this.up.delete(key(role, name));
  }

  read(count: number): void {
    this.progress();
    this.inFlight += count;
  }

  committed(count: number): void {
    this.progress();
    this.inFlight -= count;
  }

  written(): void {
    this.progress();
  }

  writeRetried(): void {
    this.progress();
  }

  recordFailed(): void {
    this.progress();
  }

  filtered(): void {}
  transformed(): void {}
  deadLettered(): void {}
  queueSize(): void {}

  private progress(): void {
    this.lastProgress = this.now();
  }
}

function key(role: string, name: string): string {
  return `${role}\u0000${name}`;
}
