// Phase and conditions of a flow, reconstructed from the world on every pass (kubebuilder's rule):
// the worker Deployment, its pods' container states and the workers' own reports. Pure — the
// previous status is read only so conditions keep their lastTransitionTime.
//
// A flow is never "Pending forever" (upstream-reference.md §9.3 item 19): a crash-looping or
// unstartable pod, a worker reporting an error, a stale heartbeat, or a Deployment short of pods for
// longer than the progress timeout all make it Degraded with a reason; the result says when to look
// again so a stall is noticed even when nothing else changes.
import { CONDITION_REASONS, WORKER_CONTAINER, setCondition } from '@dataflow/api';
import type { Condition, ConditionType, Phase, WorkerReport } from '@dataflow/api';
import type { ContainerStatus, DeploymentCondition, ObservedDeployment, ObservedPod } from './kube/objects.js';

/** Condition reasons the controller adds to the api's CONDITION_REASONS. */
export const WORKER_FAILURE_REASONS = {
  /** A worker container keeps exiting (CrashLoopBackOff, or repeated non-zero exits). */
  crashLooping: 'WorkerCrashLooping',
  /** A worker container cannot start (image pull, container config, …). */
  cannotStart: 'WorkerCannotStart',
  /** A running worker stopped reporting (heartbeat older than the timeout). */
  stalled: 'WorkerStalled',
} as const;

/** Something that stops the controller from rolling out the current spec. */
export interface Blocker {
  reason: string;
  message: string;
  /** True for validation findings (SpecValid=False); false for missing Secrets or failed applies. */
  specInvalid: boolean;
}

export interface StatusInput {
  now: Date;
  /** metadata.generation of the flow. */
  generation: number;
  /** Conditions currently on the flow (only their lastTransitionTime is reused). */
  previousConditions: readonly Condition[];
  blocker?: Blocker;
  /** Replicas the current spec asks for; absent while blocked (the running Deployment's count is used). */
  desiredReplicas?: number;
  /** Why the spec asks for zero replicas. */
  scaledToZeroBy?: 'suspend' | 'replicas';
  deployment?: ObservedDeployment;
  pods: readonly ObservedPod[];
  workers: Readonly<Record<string, WorkerReport>>;
  /** A running worker whose last report is older than this is stalled. */
  heartbeatTimeoutMs: number;
  /** A Deployment short of available pods for longer than this since its last change is Degraded. */
  progressTimeoutMs: number;
}

export interface DerivedStatus {
  phase: Phase;
  message: string;
  conditions: Condition[];
  /** Worker pods observed (status.replicas of the scale subresource). */
  replicas: number;
  /** When to derive again although nothing changed (a deadline that has not passed yet). */
  recheckAfterMs?: number;
}

interface Finding {
  reason: string;
  message: string;
}

/** Waiting reasons that mean a container will not start without someone changing something. */
const CANNOT_START = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const MAX_DETAIL = 300;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}…` : flat;
}

function workerContainer(pod: ObservedPod): ContainerStatus | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.find((c) => c.name === WORKER_CONTAINER) ?? statuses[0];
}

function lastExit(container: ContainerStatus): string {
  const terminated = container.lastState?.terminated ?? container.state?.terminated;
  if (terminated === undefined) return '';
  const parts = [`exit code ${terminated.exitCode ?? '?'}`];
  if (terminated.reason !== undefined && terminated.reason !== '') parts.push(terminated.reason);
  const message = terminated.message === undefined ? '' : oneLine(terminated.message);
  return `; last exit: ${parts.join(', ')}${message === '' ? '' : `: ${message}`}`;
}

function isActive(pod: ObservedPod): boolean {
  return pod.metadata.deletionTimestamp === undefined;
}

function byName(a: ObservedPod, b: ObservedPod): number {
  return a.metadata.name.localeCompare(b.metadata.name);
}

/** A pod whose worker container is crash-looping or cannot start. */
function podFailure(pods: readonly ObservedPod[]): Finding | undefined {
  for (const pod of [...pods].filter(isActive).sort(byName)) {
    const container = workerContainer(pod);
    if (container === undefined) continue;
    const waiting = container.state?.waiting;
    const restarts = container.restartCount ?? 0;
    const name = pod.metadata.name;
    if (waiting?.reason === 'CrashLoopBackOff') {
      return { reason: WORKER_FAILURE_REASONS.crashLooping, message: `pod ${name}: the worker keeps exiting (${restarts} restarts)${lastExit(container)}` };
    }
    if (waiting?.reason !== undefined && CANNOT_START.has(waiting.reason)) {
      const detail = waiting.message === undefined ? '' : `: ${oneLine(waiting.message)}`;
      return { reason: WORKER_FAILURE_REASONS.cannotStart, message: `pod ${name}: the worker cannot start (${waiting.reason})${detail}` };
    }
    const lastCode = container.lastState?.terminated?.exitCode;
    if (restarts >= 2 && container.ready !== true && lastCode !== undefined && lastCode !== 0) {
      return { reason: WORKER_FAILURE_REASONS.crashLooping, message: `pod ${name}: the worker keeps exiting (${restarts} restarts)${lastExit(container)}` };
    }
  }
  return undefined;
}

function reportAgeMs(report: WorkerReport, now: Date): number {
  const at = Date.parse(report.heartbeat);
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : now.getTime() - at;
}

/** A live worker that reports an error, or a running one whose heartbeat is too old. */
function reportFailure(input: StatusInput): { finding?: Finding; recheckAfterMs?: number } {
  let recheckAfterMs: number | undefined;
  let stalled: Finding | undefined;
  for (const pod of [...input.pods].filter(isActive).sort(byName)) {
    const report = input.workers[pod.metadata.name];
    if (report === undefined) continue;
    if (typeof report.error === 'string' && report.error !== '') {
      return { finding: { reason: CONDITION_REASONS.workerErrors, message: `pod ${pod.metadata.name}: ${oneLine(report.error)}` } };
    }
    // Only a running container can be expected to report; a restarting one is judged by podFailure.
    if (workerContainer(pod)?.state?.running === undefined) continue;
    const age = reportAgeMs(report, input.now);
    if (age > input.heartbeatTimeoutMs) {
      stalled ??= {
        reason: WORKER_FAILURE_REASONS.stalled,
        message: `pod ${pod.metadata.name}: no report from the worker for ${Math.round(age / 1000)}s (timeout ${Math.round(input.heartbeatTimeoutMs / 1000)}s)`,
      };
    } else {
      const left = input.heartbeatTimeoutMs - age + 1;
      recheckAfterMs = recheckAfterMs === undefined ? left : Math.min(recheckAfterMs, left);
    }
  }
  if (stalled !== undefined) return { finding: stalled };
  return recheckAfterMs === undefined ? {} : { recheckAfterMs };
}

function condition(deployment: ObservedDeployment, type: string): DeploymentCondition | undefined {
  return deployment.status?.conditions?.find((c) => c.type === type);
}

function latestTime(...times: Array<string | undefined>): number | undefined {
  let latest: number | undefined;
  for (const time of times) {
    const at = time === undefined ? Number.NaN : Date.parse(time);
    if (!Number.isNaN(at) && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
}

/** First explanation of why a pod is not available, for the Degraded message. */
function unavailablePodDetail(pods: readonly ObservedPod[]): string {
  for (const pod of [...pods].filter(isActive).sort(byName)) {
    const container = workerContainer(pod);
    if (container?.ready === true) continue;
    const waiting = container?.state?.waiting?.reason;
    if (waiting !== undefined) return `; pod ${pod.metadata.name} is waiting: ${waiting}`;
    if (container?.state?.running !== undefined) return `; pod ${pod.metadata.name} is running but not ready (/readyz fails)`;
    const phase = pod.status?.phase ?? 'Pending';
    const reason = pod.status?.reason === undefined ? '' : ` (${pod.status.reason})`;
    return `; pod ${pod.metadata.name} is ${phase}${reason}`;
  }
  return pods.some(isActive) ? '' : '; no worker pod exists';
}

interface Availability {
  desired: number;
  available: number;
  complete: boolean;
  /** Degraded because the Deployment has been short of pods for too long. */
  finding?: Finding;
  recheckAfterMs?: number;
}

function availability(deployment: ObservedDeployment, desired: number, input: StatusInput): Availability {
  const status = deployment.status ?? {};
  const available = status.availableReplicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const complete = observed && (status.updatedReplicas ?? 0) >= desired && available >= desired && (status.replicas ?? 0) <= desired;
  if (complete) return { desired, available, complete };

  const progressing = condition(deployment, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      desired,
      available,
      complete,
      finding: { reason: CONDITION_REASONS.workerUnavailable, message: `${available}/${desired} worker pods available; the rollout exceeded its progress deadline${unavailablePodDetail(input.pods)}` },
    };
  }
  // The last sign of change: the rollout's own conditions, creation, and every recorded write (our
  // applies included, so a spec just changed is not judged by a rollout that ended long ago).
  const lastChange = latestTime(
    progressing?.lastUpdateTime,
    condition(deployment, 'Available')?.lastTransitionTime,
    deployment.metadata.creationTimestamp,
    ...(deployment.metadata.managedFields ?? []).map((entry) => entry.time),
  );
  const waited = lastChange === undefined ? 0 : input.now.getTime() - lastChange;
  if (waited > input.progressTimeoutMs) {
    return {
      desired,
      available,
      complete,
      finding: {
        reason: CONDITION_REASONS.workerUnavailable,
        message: `${available}/${desired} worker pods available, no progress for ${Math.round(waited / 1000)}s${unavailablePodDetail(input.pods)}`,
      },
    };
  }
  return { desired, available, complete, recheckAfterMs: input.progressTimeoutMs - waited + 1 };
}

function minDefined(...values: Array<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : Math.max(1, Math.ceil(Math.min(...defined)));
}

interface Outcome {
  phase: Phase;
  message: string;
  specValid: Finding & { ok: boolean };
  workerAvailable: Finding & { ok: boolean };
  degraded?: Finding;
  readyReason: string;
  recheckAfterMs?: number;
}

function outcome(input: StatusInput): Outcome {
  const { blocker, deployment } = input;
  const specValid = blocker?.specInvalid === true
    ? { ok: false, reason: CONDITION_REASONS.specInvalid, message: blocker.message }
    : { ok: true, reason: CONDITION_REASONS.specValid, message: 'the spec is valid' };
  const desired = input.desiredReplicas ?? deployment?.spec?.replicas ?? 0;

  if (deployment === undefined) {
    const noWorker = { ok: false, reason: CONDITION_REASONS.pending, message: 'the worker Deployment does not exist yet' };
    if (blocker !== undefined) return { phase: 'Error', message: blocker.message, specValid, workerAvailable: noWorker, readyReason: blocker.reason };
    if (desired === 0) return suspended(input, specValid);
    return { phase: 'Pending', message: 'creating the worker Deployment', specValid, workerAvailable: noWorker, readyReason: CONDITION_REASONS.pending };
  }
  if (blocker === undefined && desired === 0) return suspended(input, specValid);

  const avail = availability(deployment, desired, input);
  const workerAvailable = avail.complete
    ? { ok: true, reason: CONDITION_REASONS.workerAvailable, message: `${avail.available}/${desired} worker pods available` }
    : { ok: false, reason: avail.finding === undefined ? CONDITION_REASONS.workerProgressing : CONDITION_REASONS.workerUnavailable, message: `${avail.available}/${desired} worker pods available` };

  if (blocker !== undefined) {
    // The last valid configuration keeps running: Degraded; with nothing running: Error.
    if (avail.available === 0) return { phase: 'Error', message: blocker.message, specValid, workerAvailable, readyReason: blocker.reason };
    const message = `${blocker.message}; the worker keeps running its last applied configuration`;
    return { phase: 'Degraded', message, specValid, workerAvailable, degraded: { reason: blocker.reason, message }, readyReason: blocker.reason };
  }

  const reports = reportFailure(input);
  const failure = podFailure(input.pods) ?? reports.finding ?? avail.finding;
  if (failure !== undefined) {
    return { phase: 'Degraded', message: failure.message, specValid, workerAvailable, degraded: failure, readyReason: failure.reason };
  }
  const recheckAfterMs = minDefined(reports.recheckAfterMs, avail.complete ? undefined : avail.recheckAfterMs);
  const base = avail.complete
    ? { phase: 'Running' as const, message: workerAvailable.message, specValid, workerAvailable, readyReason: CONDITION_REASONS.workerAvailable }
    : { phase: 'Pending' as const, message: `${workerAvailable.message}, rollout in progress`, specValid, workerAvailable, readyReason: CONDITION_REASONS.workerProgressing };
  return recheckAfterMs === undefined ? base : { ...base, recheckAfterMs };
}

function suspended(input: StatusInput, specValid: Outcome['specValid']): Outcome {
  const message =
    input.scaledToZeroBy === 'replicas' ? 'spec.replicas is 0: the worker is scaled to zero' : 'suspended: the worker is scaled to zero';
  return {
    phase: 'Suspended',
    message,
    specValid,
    workerAvailable: { ok: false, reason: CONDITION_REASONS.suspended, message },
    readyReason: CONDITION_REASONS.suspended,
  };
}

export function deriveStatus(input: StatusInput): DerivedStatus {
  const result = outcome(input);
  const generation = input.generation;
  let conditions = [...input.previousConditions];
  const set = (type: ConditionType, ok: boolean, reason: string, message: string): void => {
    conditions = setCondition(conditions, { type, status: ok ? 'True' : 'False', reason, message, observedGeneration: generation }, input.now);
  };
  set('SpecValid', result.specValid.ok, result.specValid.reason, result.specValid.message);
  set('WorkerAvailable', result.workerAvailable.ok, result.workerAvailable.reason, result.workerAvailable.message);
  if (result.degraded === undefined) set('Degraded', false, CONDITION_REASONS.asExpected, 'no problem observed');
  else set('Degraded', true, result.degraded.reason, result.degraded.message);
  set('Ready', result.phase === 'Running', result.readyReason, result.message);

  const derived: DerivedStatus = {
    phase: result.phase,
    message: result.message,
    conditions,
    replicas: input.deployment?.status?.replicas ?? 0,
  };
  if (result.recheckAfterMs !== undefined) derived.recheckAfterMs = result.recheckAfterMs;
  return derived;
}
