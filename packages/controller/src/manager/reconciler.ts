// The contract between the work queue and a reconciler (controller-runtime's, house-style.md §2.3):
// a request is only a key; return normally → done (optionally look again after a delay); throw →
// rate-limited retry; throw a TerminalError → recorded and not retried.
import type { ObjectKey } from '../kube/objects.js';

export interface ReconcileResult {
  /** Look at the key again after this long even if nothing changes (a deadline to check). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  reconcile(key: ObjectKey, signal: AbortSignal): Promise<ReconcileResult>;
}

/** A failure in one stage of a reconcile; the stage labels the error metric. Retried with backoff. */
export class ReconcileError extends Error {
  readonly stage: string;

  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReconcileError';
    this.stage = stage;
  }
}

/** A failure that retrying cannot fix; recorded, not retried. */
export class TerminalError extends ReconcileError {
  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super(stage, message, options);
    this.name = 'TerminalError';
  }
}
