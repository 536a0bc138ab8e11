// Flow totals from the per-pod reports (decisions.md §4). Each worker pod writes only its own entry
// `status.workers[<pod>]` with its cumulative counts; the controller owns the totals:
//   total = retired + Σ entries
// An entry whose pod is gone is folded into `retired` and removed in the same status patch, which
// leaves every total unchanged — so the totals never go down when pods restart, roll or scale in.
import type { WorkerCounts, WorkerReport } from '@dataflow/api';

export interface FlowTotals {
  processedCount: number;
  errorCount: number;
  filteredCount: number;
  deadLetteredCount: number;
  lastProcessedTime?: string;
}

export interface FoldInput {
  workers: Readonly<Record<string, WorkerReport>>;
  retired: WorkerCounts | undefined;
  /** Names of the worker pods that exist now (terminating ones included). */
  livePods: ReadonlySet<string>;
  now: Date;
  /**
   * An entry is folded only when its pod is gone AND it has not reported for this long: a pod the
   * pod cache has not seen yet must keep its entry (it would report again and count twice).
   */
  retireAfterMs: number;
}

export interface FoldResult {
  totals: FlowTotals;
  /** The retired counts after folding (equal to the input when nothing was folded). */
  retired: WorkerCounts;
  /** Pod names whose entries were folded into `retired` and must be removed. */
  folded: string[];
}

export const ZERO_COUNTS: WorkerCounts = Object.freeze({ processed: 0, errors: 0, filtered: 0, deadLettered: 0 });

/** A count as reported; anything that is not a non-negative finite number counts as 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function add(a: WorkerCounts, b: WorkerCounts): WorkerCounts {
  const sum: WorkerCounts = {
    processed: count(a.processed) + count(b.processed),
    errors: count(a.errors) + count(b.errors),
    filtered: count(a.filtered) + count(b.filtered),
    deadLettered: count(a.deadLettered) + count(b.deadLettered),
  };
  const last = later(a.lastProcessedTime, b.lastProcessedTime);
  if (last !== undefined) sum.lastProcessedTime = last;
  return sum;
}

function ageMs(report: WorkerReport, now: Date): number {
  const at = Date.parse(report.heartbeat);
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : now.getTime() - at;
}

export function foldWorkerCounts(input: FoldInput): FoldResult {
  let retired: WorkerCounts = input.retired === undefined ? { ...ZERO_COUNTS } : add(ZERO_COUNTS, input.retired);
  const folded: string[] = [];
  let live: WorkerCounts = { ...ZERO_COUNTS };
  for (const pod of Object.keys(input.workers).sort()) {
    const report = input.workers[pod];
    if (report === undefined) continue;
    if (!input.livePods.has(pod) && ageMs(report, input.now) > input.retireAfterMs) {
      retired = add(retired, report);
      folded.push(pod);
    } else {
      live = add(live, report);
    }
  }
  const all = add(retired, live);
  const totals: FlowTotals = {
    processedCount: all.processed,
    errorCount: all.errors,
    filteredCount: all.filtered,
    deadLetteredCount: all.deadLettered,
  };
  if (all.lastProcessedTime !== undefined) totals.lastProcessedTime = all.lastProcessedTime;
  return { totals, retired, folded };
}
