// Status conditions with the semantics of apimachinery's meta.SetStatusCondition: a condition's
// lastTransitionTime moves only when its status flips, so `kubectl describe` tells how long a flow
// has been Ready (or not); reason, message and observedGeneration always take the newest value.
import type { Condition, ConditionType } from './dataflow.js';

/** Reasons used in DataFlow conditions: CamelCase, stable, safe to match on in alerts and tests. */
export const CONDITION_REASONS = {
  /** SpecValid=True. */
  specValid: 'SpecValid',
  /** SpecValid=False: validateSpec found issues (listed in the message). */
  specInvalid: 'SpecInvalid',
  /** A referenced Secret or key does not exist in the flow's namespace. */
  secretNotFound: 'SecretNotFound',
  /** WorkerAvailable/Ready=True: every desired worker pod is available. */
  workerAvailable: 'WorkerAvailable',
  /** A rollout is in progress (new pods not yet available). */
  workerProgressing: 'WorkerProgressing',
  /** Worker pods exist but are not available (crash loop, failing probes, unschedulable). */
  workerUnavailable: 'WorkerUnavailable',
  /** spec.suspend is true: the worker is scaled to zero on purpose. */
  suspended: 'Suspended',
  /** Degraded=True: the worker reports errors (for example writes going to the error sink). */
  workerErrors: 'WorkerErrors',
  /** Degraded=False. */
  asExpected: 'AsExpected',
  /** The controller could not apply a child object; retried with backoff. */
  reconcileError: 'ReconcileError',
  /** Nothing observed yet (Unknown status). */
  pending: 'Pending',
} as const;
export type ConditionReason = (typeof CONDITION_REASONS)[keyof typeof CONDITION_REASONS];

/** What a caller sets; lastTransitionTime is managed by setCondition unless given explicitly. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string };

/**
 * Returns a new list with `next` set: an existing condition of the same type keeps its position and
 * its lastTransitionTime unless the status changed; a new one is appended. The input is not modified.
 */
export function setCondition(list: readonly Condition[], next: ConditionUpdate, now: Date): Condition[] {
  const index = list.findIndex((c) => c.type === next.type);
  const existing = index >= 0 ? list[index] : undefined;
  const transitioned = existing === undefined || existing.status !== next.status;
  const lastTransitionTime = transitioned
    ? (next.lastTransitionTime ?? toRfc3339Seconds(now))
    : (existing.lastTransitionTime);
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime,
  };
  if (next.observedGeneration !== undefined) condition.observedGeneration = next.observedGeneration;
  if (index < 0) return [...list, condition];
  return list.map((c, i) => (i === index ? condition : c));
}

export function findCondition(list: readonly Condition[] | undefined, type: ConditionType): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function isConditionTrue(list: readonly Condition[] | undefined, type: ConditionType): boolean {
  return findCondition(list, type)?.status === 'True';
}

/** Returns a new list without the condition of `type` (the same content if it was absent). */
export function removeCondition(list: readonly Condition[], type: ConditionType): Condition[] {
  return list.filter((c) => c.type !== type);
}

/** metav1.Time serialises with second precision; matching it keeps round-trips free of diffs. */
export function toRfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
