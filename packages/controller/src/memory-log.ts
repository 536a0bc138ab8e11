// Opt-in memory trace for sizing the operator (env DATAFLOW_MEMORY_LOG_SECONDS=N): every N seconds
// one log line with the process RSS and the V8 heap figures, so a burst can be told apart into heap
// that is really retained (heapUsed stays high) and heap V8 merely has not collected yet.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';

const MiB = 1024 * 1024;
const inMiB = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
/** Garbage collections at least this long are logged too (a long pause is where RSS jumps). */
const SLOW_GC_MS = 50;

const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function gcKind(entry: PerformanceEntry): string {
  const kind = (entry as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind;
  return kind === undefined ? 'unknown' : (GC_KINDS[kind] ?? String(kind));
}

/** Starts the trace when `intervalSeconds` is a positive number; returns the function that stops it. */
export function startMemoryLog(log: Logger, intervalSeconds: number | undefined): () => void {
  if (intervalSeconds === undefined || !(intervalSeconds > 0)) return () => undefined;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    const heap = getHeapStatistics();
    log.info(
      {
        rssMiB: inMiB(usage.rss),
        heapUsedMiB: inMiB(usage.heapUsed),
        heapTotalMiB: inMiB(usage.heapTotal),
        externalMiB: inMiB(usage.external),
        arrayBuffersMiB: inMiB(usage.arrayBuffers),
        heapLimitMiB: inMiB(heap.heap_size_limit),
        mallocedMiB: inMiB(heap.malloced_memory),
      },
      'Memory use',
    );
  }, intervalSeconds * 1000);
  timer.unref();
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration >= SLOW_GC_MS) log.info({ gc: gcKind(entry), durationMs: Math.round(entry.duration), rssMiB: inMiB(process.memoryUsage.rss()) }, 'Slow garbage collection');
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  return () => {
    clearInterval(timer);
    gcObserver.disconnect();
  };
}
