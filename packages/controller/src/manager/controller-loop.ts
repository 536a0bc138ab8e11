// N workers taking keys from the work queue and reconciling them, one key never twice at once (the
// queue guarantees it). Results map to the queue: success → forget the key's backoff (and requeue
// after a delay if asked); error → rate-limited retry; TerminalError → forget, not retried.
import type { Logger } from 'pino';
import { errorSummary, isKubeError } from '../kube/errors.js';
import type { ControllerMetrics } from '../metrics.js';
import { ReconcileError, TerminalError } from './reconciler.js';
import type { Reconciler } from './reconciler.js';
import type { WorkQueue } from './workqueue.js';

export interface ControllerLoopOptions {
  queue: WorkQueue;
  reconciler: Reconciler;
  metrics: ControllerMetrics;
  log: Logger;
  /** Parallel reconciles of different keys; default 8. */
  workers?: number;
  signal: AbortSignal;
}

async function work(options: ControllerLoopOptions): Promise<void> {
  const { queue, reconciler, metrics, log, signal } = options;
  for (;;) {
    const key = await queue.get(signal);
    if (key === undefined) return;
    const finish = metrics.reconcileStarted();
    try {
      const result = await reconciler.reconcile(key, signal);
      queue.forget(key);
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        queue.addAfter(key, result.requeueAfterMs);
        finish('requeue');
      } else {
        finish('success');
      }
    } catch (error) {
      const stage = error instanceof ReconcileError ? error.stage : 'unknown';
      metrics.reconcileFailed(stage);
      if (error instanceof TerminalError) {
        queue.forget(key);
        finish('terminal');
        log.error({ dataflow: key, stage, error: errorSummary(error) }, 'Reconcile failed permanently');
      } else {
        queue.addRateLimited(key);
        finish('error');
        // A Conflict is routine (a worker report or a watch event raced the write): retried at once.
        const routine = error instanceof Error && isKubeError(error.cause, 'Conflict');
        log[routine ? 'debug' : 'warn']({ dataflow: key, stage, retries: queue.numRequeues(key), error: errorSummary(error) }, 'Reconcile failed; retrying');
      }
    } finally {
      queue.done(key);
    }
  }
}

/** Runs the workers until the queue shuts down or `signal` aborts, then resolves. */
export async function runControllerLoop(options: ControllerLoopOptions): Promise<void> {
  const count = Math.max(1, options.workers ?? 8);
  await Promise.all(Array.from({ length: count }, () => work(options)));
}
