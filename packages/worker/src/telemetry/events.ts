// The log view of the runtime's typed events. The PipelineObserver calls are the worker's telemetry
// events; metrics (./metrics.ts), status counts (./counts.ts) and this log are three views of the
// same calls, fanned out once with `combineObservers` — so a failure is never counted in one place
// and forgotten in another.
//
// What is logged: connector state changes, and failures (record-level or failed write attempts)
// as throttled summaries — the first at once, then at most one line per key and interval carrying
// how many happened since. Nothing is logged per message (see the rule in ./logger.ts).
import type { Logger } from '../plugin.js';
import type { PipelineObserver } from '../runtime/observer.js';
import { errorTypeLabel } from './error-type.js';
import type { Clock } from './rate-window.js';

export interface EventLogOptions {
  readonly log: Logger;
  /** Minimum gap between two summaries of the same failure; default 10 s. */
  readonly summaryIntervalMs?: number;
  readonly now?: Clock;
}

export interface EventLog extends PipelineObserver {
  /** Logs the failures still held back (call once at shutdown). */
  flush(): void;
}

interface Throttled {
  lastLoggedAt: number;
  suppressed: number;
  fields: Record<string, unknown>;
  message: string;
}

export function createEventLog(options: EventLogOptions): EventLog {
  const { log } = options;
  const interval = options.summaryIntervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  const throttled = new Map<string, Throttled>();
  const connected = new Map<string, boolean>();

  function warnThrottled(key: string, fields: Record<string, unknown>, message: string, count: number): void {
    const entry = throttled.get(key);
    const at = now();
    if (entry === undefined || at - entry.lastLoggedAt >= interval) {
      const total = count + (entry?.suppressed ?? 0);
      log.warn({ ...fields, count: total }, message);
      throttled.set(key, { lastLoggedAt: at, suppressed: 0, fields, message });
    } else {
      entry.suppressed += count;
    }
  }

  const noop = (): void => undefined;
  return {
    read: noop,
    transformed: noop,
    filtered: noop,
    written: noop,
    deadLettered: noop,
    committed: noop,
    queueSize: noop,
    recordFailed(stage, errorType, count) {
      const error_type = errorTypeLabel(errorType);
      warnThrottled(`record\u0000${stage}\u0000${error_type}`, { stage, errorType: error_type }, 'records failed', count);
    },
    writeRetried(sink, sinkType, errorType) {
      const error_type = errorTypeLabel(errorType);
      warnThrottled(
        `retry\u0000${sink}\u0000${error_type}`,
        { sink, sinkType, errorType: error_type },
        'sink write failed; retrying with backoff',
        1,
      );
    },
    connection(role, name, type, up) {
      const key = `${role}\u0000${name}`;
      if (connected.get(key) === up) return;
      connected.set(key, up);
      log.info({ role, connector: name, type }, up ? 'connector opened' : 'connector closed');
    },
    flush() {
      for (const entry of throttled.values()) {
        if (entry.suppressed > 0) log.warn({ ...entry.fields, count: entry.suppressed }, entry.message);
        entry.suppressed = 0;
        entry.lastLoggedAt = now();
      }
    },
  };
}
