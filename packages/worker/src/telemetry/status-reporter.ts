// Periodic reporting of the flow counts: one write per interval, never per message, and a final
// write on shutdown. Where the counts go is a StatusReporter: a file or the log locally, the
// DataFlow status subresource in a cluster.
//
// In a cluster (kube/status-reporter.ts) each pod writes only its own cumulative entry
// `status.workers[<pod>]` and the controller sums live entries and `status.retired` into the flow
// totals; there every write also carries a heartbeat, so `heartbeat: true` writes each interval even
// when the counts did not change.
import { rename, writeFile } from 'node:fs/promises';
import type { Logger } from '../plugin.js';
import type { FlowCounts } from './counts.js';

export interface StatusReporter {
  report(counts: FlowCounts): Promise<void>;
}

export interface StatusReportingOptions {
  readonly reporter: StatusReporter;
  /** Reads the current counts (e.g. `() => countingObserver.counts()`). */
  readonly counts: () => FlowCounts;
  /** Default 10 s, so the status is never more than 15 s stale. */
  readonly intervalMs?: number;
  /** Write every interval even when the counts are unchanged (the write is a liveness signal). */
  readonly heartbeat?: boolean;
  readonly log: Logger;
}

export interface StatusReporting {
  /** Stops the timer, waits for a write in flight, then writes the final counts. Idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_STATUS_INTERVAL_MS = 10_000;

function sameCounts(a: FlowCounts, b: FlowCounts | undefined): boolean {
  return (
    b !== undefined &&
    a.processed === b.processed &&
    a.errors === b.errors &&
    a.filtered === b.filtered &&
    a.deadLettered === b.deadLettered &&
    a.lastProcessedTime === b.lastProcessedTime
  );
}

export function startStatusReporting(options: StatusReportingOptions): StatusReporting {
  const intervalMs = options.intervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`status reporting: intervalMs must be a positive number, got ${intervalMs}`);
  }
  const { reporter, log } = options;
  let lastReported: FlowCounts | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  // Never throws: a failed report is retried at the next interval; the flow keeps running.
  async function reportOnce(): Promise<void> {
    const counts = options.counts();
    // Unchanged counts need no write (an idle flow makes no API calls), unless it is a heartbeat.
    if (options.heartbeat !== true && sameCounts(counts, lastReported)) return;
    try {
      await reporter.report(counts);
      lastReported = counts;
      if (failures > 0) log.info({ failedAttempts: failures }, 'status reporting recovered');
      failures = 0;
    } catch (error) {
      failures++;
      // Once per failure streak: a status store that is down must not flood the log.
      if (failures === 1) log.warn({ err: error }, 'status report failed; retrying every interval');
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = reportOnce().finally(() => {
        inFlight = undefined;
        if (stopping === undefined) schedule();
      });
    }, intervalMs);
    // Reporting alone must not keep the process alive.
    timer.unref();
  }

  schedule();

  return {
    stop() {
      stopping ??= (async () => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (inFlight !== undefined) await inFlight;
        await reportOnce();
      })();
      return stopping;
    },
  };
}

export type LocalStatusTarget = { readonly file: string } | { readonly log: Logger };

/** Writes the counts to a JSON file (replaced atomically) or to the log, for runs outside a cluster. */
export class LocalStatusReporter implements StatusReporter {
  private readonly target: LocalStatusTarget;

  constructor(target: LocalStatusTarget) {
    this.target = target;
  }

  async report(counts: FlowCounts): Promise<void> {
    if ('log' in this.target) {
      this.target.log.info({ counts }, 'flow status');
      return;
    }
    const file = this.target.file;
    // Write next to the target, then rename over it: readers never see a half-written file.
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(counts)}\n`, 'utf8');
    await rename(temporary, file);
  }
}
