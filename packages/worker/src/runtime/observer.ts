// What the runtime reports while it runs. Telemetry (metrics, status counts, preview) implements
// this; the runtime never imports prom-client. Calls are per batch, not per message, so counting
// costs nothing measurable at a million messages per second.
import type { PartitionLag } from '../plugin.js';

export interface PipelineObserver {
  /** Messages handed over by the source. */
  read(count: number): void;
  /** One transform step ran over a batch: `inCount` messages in, `outCount` out. */
  transformed(index: number, type: string, inCount: number, outCount: number, seconds: number): void;
  /** Source messages that produced no output at all (filtered); they are acked, not lost. */
  filtered(count: number): void;
  /** A record-level failure at `stage` (`decode`, `transform:<i>:<type>`, `route`, `sink:<name>`). */
  recordFailed(stage: string, errorType: string, count: number): void;
  /** A sink wrote `count` messages (counted after the write succeeded). */
  written(sink: string, sinkType: string, count: number, seconds: number): void;
  /** A sink write failed as a whole and will be retried. */
  writeRetried(sink: string, sinkType: string, errorType: string): void;
  /** Records taken by the error sink. */
  deadLettered(count: number): void;
  /** Source positions committed: every output written, filtered or dead-lettered. */
  committed(count: number, endToEndSeconds: readonly number[]): void;
  /** Current fill of a bounded buffer. */
  queueSize(queue: string, size: number): void;
  /** A connector opened (true) or closed/failed (false). */
  connection(role: 'source' | 'sink', name: string, type: string, up: boolean): void;
  /** Optional: the source's lag per partition it reads now (sources with `lag()`, about once a second). */
  sourceLag?(lags: readonly PartitionLag[]): void;
}

export const noopObserver: PipelineObserver = {
  read: () => undefined,
  transformed: () => undefined,
  filtered: () => undefined,
  recordFailed: () => undefined,
  written: () => undefined,
  writeRetried: () => undefined,
  deadLettered: () => undefined,
  committed: () => undefined,
  queueSize: () => undefined,
  connection: () => undefined,
};

/** Fans one event out to several observers (metrics + status counts + a CLI summary). */
export function combineObservers(...observers: PipelineObserver[]): PipelineObserver {
  return {
    read: (c) => observers.forEach((o) => o.read(c)),
    transformed: (i, t, a, b, s) => observers.forEach((o) => o.transformed(i, t, a, b, s)),
    filtered: (c) => observers.forEach((o) => o.filtered(c)),
    recordFailed: (st, e, c) => observers.forEach((o) => o.recordFailed(st, e, c)),
    written: (n, t, c, s) => observers.forEach((o) => o.written(n, t, c, s)),
    writeRetried: (n, t, e) => observers.forEach((o) => o.writeRetried(n, t, e)),
    deadLettered: (c) => observers.forEach((o) => o.deadLettered(c)),
    committed: (c, l) => observers.forEach((o) => o.committed(c, l)),
    queueSize: (q, s) => observers.forEach((o) => o.queueSize(q, s)),
    connection: (r, n, t, u) => observers.forEach((o) => o.connection(r, n, t, u)),
    sourceLag: (l) => observers.forEach((o) => o.sourceLag?.(l)),
  };
}
