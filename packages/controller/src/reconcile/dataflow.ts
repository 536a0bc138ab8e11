// The one reconcile of a DataFlow, level-triggered (house-style.md §2.3, Numaflow's shape):
//   outer: get → copy → inner → ONE status patch, only if something changed;
//   inner, a checklist:
//     NotFound → forget the flow's metric series; deleting → nothing (no finalizer: children are
//     garbage-collected through owner references);
//     validateSpec (+ defaults) — invalid: SpecValid=False, Warning InvalidSpec, NO workload change,
//       no requeue;
//     resolve the referenced Secrets' resourceVersions — missing: Warning SecretResolutionFailed,
//       retried with backoff;
//     build the children and server-side apply each one whose content hash differs from the live
//       object's (an unchanged flow costs zero writes);
//     phase and conditions from the Deployment, its pods and the workers' reports; counts summed.
import {
  API_VERSION,
  CONDITION_REASONS,
  KIND,
  renderWorkerConfig,
  serializeWorkerConfig,
  validateSpec,
  workerSelector,
  ANNOTATIONS,
  childNames,
  deepEqual,
} from '@dataflow/api';
import type { DataFlow, DataFlowSpec, DataFlowStatus, SpecIssue, WorkerReport } from '@dataflow/api';
import type { Logger } from 'pino';
import { desiredReplicas, referencedSecretKeys } from '../desired/deployment.js';
import { appliedHashOf } from '../desired/hash.js';
import { desiredChildren } from '../desired/objects.js';
import { EVENT_REASONS } from '../events.js';
import type { EventReason, EventRecorder, EventSubject } from '../events.js';
import type { KubeClient } from '../kube/client.js';
import { errorSummary, isKubeError } from '../kube/errors.js';
import { describeRef, labelSelectorOf, parseObjectKey, refOf } from '../kube/objects.js';
import type { KubeObject, ObjectKey, ObjectRef, ObservedDeployment, ObservedPod, WireObjectMeta } from '../kube/objects.js';
import { ReconcileError } from '../manager/reconciler.js';
import type { ReconcileResult, Reconciler } from '../manager/reconciler.js';
import type { ControllerMetrics } from '../metrics.js';
import { deriveStatus } from '../status.js';
import type { Blocker } from '../status.js';
import { foldWorkerCounts } from '../worker-counts.js';

/** A DataFlow as read from the API server (its metadata always has a name). */
export type DataFlowObject = DataFlow & { metadata: WireObjectMeta };

export interface DataFlowReconcilerOptions {
  client: KubeClient;
  events: EventRecorder;
  metrics: ControllerMetrics;
  log: Logger;
  /** The operator's default worker image (spec.workerImage / workerVersion override it). */
  defaultWorkerImage: string;
  now?: () => Date;
  /** A running worker whose last report is older than this makes the flow Degraded; default 60 s. */
  heartbeatTimeoutMs?: number;
  /** A Deployment short of pods this long after its last change makes the flow Degraded; default 60 s. */
  progressTimeoutMs?: number;
  /** A gone pod's report is folded into `retired` once it is this old; default 60 s. */
  retireAfterMs?: number;
  /** Shortest time between two status writes that only move the counts; default 5 s. */
  countsWriteIntervalMs?: number;
}

/** Status fields the controller owns; `workers` entries belong to the worker pods. */
const CONTROLLER_FIELDS = [
  'phase',
  'message',
  'observedGeneration',
  'conditions',
  'processedCount',
  'errorCount',
  'filteredCount',
  'deadLetteredCount',
  'lastProcessedTime',
  'retired',
  'replicas',
  'selector',
  'workerConfigHash',
] as const satisfies ReadonlyArray<keyof DataFlowStatus>;

const COUNT_FIELDS: ReadonlySet<string> = new Set(['processedCount', 'errorCount', 'filteredCount', 'deadLetteredCount', 'lastProcessedTime']);

/** The merge patch turning `current` into `next` for the controller's fields, plus folded worker entries. */
export function statusPatch(current: DataFlowStatus, next: DataFlowStatus, folded: readonly string[]): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const field of CONTROLLER_FIELDS) {
    if (!deepEqual(current[field], next[field])) patch[field] = next[field] ?? null;
  }
  if (folded.length > 0) patch['workers'] = Object.fromEntries(folded.map((pod) => [pod, null]));
  return Object.keys(patch).length === 0 ? undefined : patch;
}

const MAX_LISTED_ISSUES = 10;

export function describeIssues(issues: readonly SpecIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED_ISSUES).map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
  const more = issues.length > MAX_LISTED_ISSUES ? `; and ${issues.length - MAX_LISTED_ISSUES} more` : '';
  return `the spec is invalid: ${listed.join('; ')}${more}`;
}

interface ChildEvents {
  created?: EventReason;
  updated?: EventReason;
  failed: EventReason;
}

function eventsFor(kind: string): ChildEvents {
  switch (kind) {
    case 'ConfigMap':
      return { created: EVENT_REASONS.configMapCreated, updated: EVENT_REASONS.configMapUpdated, failed: EVENT_REASONS.configMapFailed };
    case 'Deployment':
      return { created: EVENT_REASONS.deploymentCreated, updated: EVENT_REASONS.deploymentUpdated, failed: EVENT_REASONS.deploymentFailed };
    default:
      return { failed: EVENT_REASONS.rbacFailed };
  }
}

/** What one pass concluded, before it is written. */
interface Pass {
  status: DataFlowStatus;
  folded: string[];
  recheckAfterMs?: number;
  /** Thrown after the status write, so the queue retries with backoff while the status tells why. */
  failure?: ReconcileError;
}

export class DataFlowReconciler implements Reconciler {
  private readonly client: KubeClient;
  private readonly events: EventRecorder;
  private readonly metrics: ControllerMetrics;
  private readonly log: Logger;
  private readonly defaultWorkerImage: string;
  private readonly now: () => Date;
  private readonly heartbeatTimeoutMs: number;
  private readonly progressTimeoutMs: number;
  private readonly retireAfterMs: number;
  private readonly countsWriteIntervalMs: number;
  /** uid of each flow seen, so its remembered events can be dropped once it is gone. */
  private readonly uids = new Map<ObjectKey, string>();
  /** When the counts of a flow were last written (throttles count-only writes). */
  private readonly countsWrittenAt = new Map<ObjectKey, number>();

  constructor(options: DataFlowReconcilerOptions) {
    this.client = options.client;
    this.events = options.events;
    this.metrics = options.metrics;
    this.log = options.log;
    this.defaultWorkerImage = options.defaultWorkerImage;
    this.now = options.now ?? (() => new Date());
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 60_000;
    this.progressTimeoutMs = options.progressTimeoutMs ?? 60_000;
    this.retireAfterMs = options.retireAfterMs ?? 60_000;
    this.countsWriteIntervalMs = options.countsWriteIntervalMs ?? 5_000;
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const { namespace, name } = parseObjectKey(key);
    const ref: ObjectRef = { apiVersion: API_VERSION, kind: KIND, namespace, name };
    let live: DataFlowObject | undefined;
    try {
      live = await this.client.get<DataFlowObject>(ref);
    } catch (error) {
      throw new ReconcileError('get', `could not read ${describeRef(ref)}: ${String(errorSummary(error)['message'])}`, { cause: error });
    }
    if (live === undefined) {
      this.forget(key, namespace, name);
      return {};
    }
    this.uids.set(key, live.metadata.uid ?? '');
    // No finalizer is ever added: garbage collection removes the children of a deleted flow.
    if (live.metadata.deletionTimestamp !== undefined) return {};

    const flow = structuredClone(live);
    const pass = await this.inner(flow);
    const current = live.status ?? {};
    const patch = statusPatch(current, pass.status, pass.folded);
    let requeueAfterMs = pass.recheckAfterMs;

    if (patch !== undefined) {
      const nowMs = this.now().getTime();
      const countsOnly = Object.keys(patch).every((field) => COUNT_FIELDS.has(field));
      const lastWrite = this.countsWrittenAt.get(key);
      if (countsOnly && lastWrite !== undefined && nowMs - lastWrite < this.countsWriteIntervalMs) {
        // Several replicas report within seconds of each other: write their sum once per interval.
        const wait = this.countsWriteIntervalMs - (nowMs - lastWrite);
        requeueAfterMs = requeueAfterMs === undefined ? wait : Math.min(requeueAfterMs, wait);
      } else {
        await this.writeStatus(ref, flow, patch);
        if (Object.keys(patch).some((field) => COUNT_FIELDS.has(field))) this.countsWrittenAt.set(key, nowMs);
      }
    }
    if (pass.status.phase !== undefined) this.metrics.setPhase(namespace, name, pass.status.phase);
    if (pass.failure !== undefined) throw pass.failure;
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  private forget(key: ObjectKey, namespace: string, name: string): void {
    this.metrics.forgetFlow(namespace, name);
    const uid = this.uids.get(key);
    if (uid !== undefined) this.events.forget(uid);
    this.uids.delete(key);
    this.countsWrittenAt.delete(key);
  }

  private async writeStatus(ref: ObjectRef, flow: DataFlowObject, patch: Record<string, unknown>): Promise<void> {
    try {
      await this.client.patchStatus(ref, patch, flow.metadata.resourceVersion ?? '');
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return;
      if (!isKubeError(error, 'Conflict')) {
        await this.events.warning(subjectOf(flow), EVENT_REASONS.statusUpdateFailed, `Unable to update DataFlow status: ${String(errorSummary(error)['message'])}`);
      }
      // A Conflict means a worker reported in between: the next pass starts from the new version.
      throw new ReconcileError('status', `could not write the status of ${describeRef(ref)}: ${String(errorSummary(error)['message'])}`, { cause: error });
    }
  }

  private async inner(flow: DataFlowObject): Promise<Pass> {
    const now = this.now();
    const namespace = flow.metadata.namespace ?? 'default';
    const name = flow.metadata.name;
    const subject = subjectOf(flow);
    const previous: DataFlowStatus = flow.status ?? {};

    let deployment: ObservedDeployment | undefined;
    let pods: ObservedPod[];
    try {
      deployment = await this.client.get<ObservedDeployment>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: childNames.deployment(name) });
      pods = await this.client.list<ObservedPod>({ apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: labelSelectorOf(workerSelector(name)) });
    } catch (error) {
      throw new ReconcileError('observe', `could not read the workload of ${namespace}/${name}: ${String(errorSummary(error)['message'])}`, { cause: error });
    }

    let blocker: Blocker | undefined;
    let failure: ReconcileError | undefined;
    let replicas: number | undefined;
    let scaledToZeroBy: 'suspend' | 'replicas' | undefined;

    const valid = this.validate(flow, namespace);
    if (!valid.ok) {
      blocker = { reason: CONDITION_REASONS.specInvalid, message: valid.message, specInvalid: true };
      await this.events.warning(subject, EVENT_REASONS.invalidSpec, valid.message);
    } else {
      this.events.resolved(subject, EVENT_REASONS.invalidSpec);
      const spec = valid.spec;
      const secrets = await this.secretVersions(namespace, spec);
      if (secrets.missing.length > 0) {
        const message = `Secret${secrets.missing.length > 1 ? 's' : ''} ${secrets.missing.join(', ')} not found in namespace ${namespace}`;
        blocker = { reason: CONDITION_REASONS.secretNotFound, message, specInvalid: false };
        await this.events.warning(subject, EVENT_REASONS.secretResolutionFailed, `Failed to resolve secrets: ${message}`);
        failure = new ReconcileError('secrets', message);
      } else {
        this.events.resolved(subject, EVENT_REASONS.secretResolutionFailed);
        const applied = await this.applyChildren(flow, spec, valid.configText, secrets.versions, deployment);
        deployment = applied.deployment;
        if (applied.failure !== undefined) {
          blocker = { reason: CONDITION_REASONS.reconcileError, message: applied.failure.message, specInvalid: false };
          failure = applied.failure;
        }
        replicas = desiredReplicas(spec);
        if (replicas === 0) scaledToZeroBy = spec.suspend === true ? 'suspend' : 'replicas';
      }
    }

    const workers: Record<string, WorkerReport> = { ...(previous.workers ?? {}) };
    const derived = deriveStatus({
      now,
      generation: flow.metadata.generation ?? 0,
      previousConditions: previous.conditions ?? [],
      ...(blocker === undefined ? {} : { blocker }),
      ...(replicas === undefined ? {} : { desiredReplicas: replicas }),
      ...(scaledToZeroBy === undefined ? {} : { scaledToZeroBy }),
      ...(deployment === undefined ? {} : { deployment }),
      pods,
      workers,
      heartbeatTimeoutMs: this.heartbeatTimeoutMs,
      progressTimeoutMs: this.progressTimeoutMs,
    });
    const fold = foldWorkerCounts({
      workers,
      retired: previous.retired,
      livePods: new Set(pods.map((p) => p.metadata.name)),
      now,
      retireAfterMs: this.retireAfterMs,
    });

    const status: DataFlowStatus = {
      ...previous,
      phase: derived.phase,
      message: derived.message,
      observedGeneration: flow.metadata.generation ?? 0,
      conditions: derived.conditions,
      processedCount: fold.totals.processedCount,
      errorCount: fold.totals.errorCount,
      filteredCount: fold.totals.filteredCount,
      deadLetteredCount: fold.totals.deadLetteredCount,
      replicas: derived.replicas,
      selector: labelSelectorOf(workerSelector(name)),
    };
    if (fold.totals.lastProcessedTime !== undefined) status.lastProcessedTime = fold.totals.lastProcessedTime;
    // `retired` appears once something was folded; an untouched flow keeps not having it.
    if (fold.folded.length > 0 || previous.retired !== undefined) status.retired = fold.retired;
    const runningHash = deployment?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.configHash];
    if (runningHash !== undefined) status.workerConfigHash = runningHash;
    else delete status.workerConfigHash;
    for (const pod of fold.folded) delete workers[pod];
    if (status.workers !== undefined) status.workers = workers;

    const pass: Pass = { status, folded: fold.folded };
    if (derived.recheckAfterMs !== undefined) pass.recheckAfterMs = derived.recheckAfterMs;
    if (failure !== undefined) pass.failure = failure;
    return pass;
  }

  /** Validates and applies defaults; the worker config is rendered from the same validated spec. */
  private validate(flow: DataFlowObject, namespace: string): { ok: true; spec: DataFlowSpec; configText: string } | { ok: false; message: string } {
    const result = validateSpec(flow.spec, { namespace });
    if (!result.ok) return { ok: false, message: describeIssues(result.issues) };
    try {
      const config = renderWorkerConfig({ ...flow, metadata: { ...flow.metadata, namespace }, spec: result.spec });
      return { ok: true, spec: config.spec, configText: serializeWorkerConfig(config) };
    } catch (error) {
      const issues = (error as { issues?: SpecIssue[] }).issues;
      return { ok: false, message: issues === undefined ? `the spec is invalid: ${String(errorSummary(error)['message'])}` : describeIssues(issues) };
    }
  }

  private async secretVersions(namespace: string, spec: DataFlowSpec): Promise<{ versions: Record<string, string>; missing: string[] }> {
    const versions: Record<string, string> = {};
    const missing: string[] = [];
    for (const { name } of referencedSecretKeys(spec)) {
      let secret: KubeObject | undefined;
      try {
        secret = await this.client.get<KubeObject>({ apiVersion: 'v1', kind: 'Secret', namespace, name });
      } catch (error) {
        throw new ReconcileError('secrets', `could not read Secret ${namespace}/${name}: ${String(errorSummary(error)['message'])}`, { cause: error });
      }
      if (secret === undefined) missing.push(name);
      else versions[name] = secret.metadata.resourceVersion ?? '';
    }
    return { versions, missing };
  }

  /**
   * Applies each child whose hash changed. The ServiceAccount, Role, RoleBinding and ConfigMaps do
   * not depend on each other and go out together; the Deployment only after all of them succeeded
   * (a pod must never start without its identity and config). The Created/Updated events of the
   * first step are recorded while the Deployment is applied: round trips, not writes, bound a burst.
   */
  private async applyChildren(
    flow: DataFlowObject,
    spec: DataFlowSpec,
    configText: string,
    secretVersions: Record<string, string>,
    observed: ObservedDeployment | undefined,
  ): Promise<{ deployment: ObservedDeployment | undefined; failure?: ReconcileError }> {
    const namespace = flow.metadata.namespace ?? 'default';
    const identity = { namespace, name: flow.metadata.name, uid: flow.metadata.uid ?? '' };
    const desired = desiredChildren({ flow: identity, spec, configText, secretVersions, defaultImage: this.defaultWorkerImage });
    const prerequisites = desired.objects.filter((child) => child.kind !== 'Deployment');
    const events: Array<Promise<void>> = [];
    try {
      const first = await Promise.all(prerequisites.map((child) => this.applyChild(flow, child, undefined, events)));
      const failure = first.find((outcome) => outcome.failure !== undefined)?.failure;
      if (failure !== undefined) return { deployment: observed, failure };
      const last = await this.applyChild(flow, desired.deployment, observed, events);
      if (last.failure !== undefined) return { deployment: observed, failure: last.failure };
      return { deployment: last.applied ?? observed };
    } finally {
      await Promise.all(events);
    }
  }

  /**
   * Applies one child unless its live copy carries the same hash; `observed` is the live object when
   * the caller already has it. The event it causes is pushed to `events`, not awaited.
   */
  private async applyChild(
    flow: DataFlowObject,
    child: KubeObject,
    observed: KubeObject | undefined,
    events: Array<Promise<void>>,
  ): Promise<{ applied?: KubeObject; failure?: ReconcileError }> {
    const ref = refOf(child);
    const reasons = eventsFor(child.kind);
    const subject = subjectOf(flow);
    let current: KubeObject | undefined;
    try {
      current = child.kind === 'Deployment' ? observed : await this.client.get<KubeObject>(ref);
    } catch (error) {
      return { failure: new ReconcileError('observe', `could not read ${describeRef(ref)}: ${String(errorSummary(error)['message'])}`, { cause: error }) };
    }
    if (current !== undefined && appliedHashOf(current) === appliedHashOf(child)) return {};
    let applied: KubeObject;
    try {
      applied = await this.client.apply(child);
    } catch (error) {
      const message = `failed to apply ${child.kind} ${child.metadata.name}: ${String(errorSummary(error)['message'])}`;
      events.push(this.events.warning(subject, reasons.failed, `Failed to create or update ${child.kind}: ${message}`));
      return { failure: new ReconcileError('apply', message, { cause: error }) };
    }
    this.events.resolved(subject, reasons.failed);
    const operation = current === undefined ? 'created' : 'updated';
    this.log.info({ dataflow: `${ref.namespace ?? ''}/${flow.metadata.name}`, object: describeRef(ref), operation }, 'Applied child object');
    const reason = current === undefined ? reasons.created : reasons.updated;
    if (reason !== undefined) events.push(this.events.normal(subject, reason, `${current === undefined ? 'Created' : 'Updated'} ${child.kind} ${child.metadata.name}`));
    return { applied };
  }
}

function subjectOf(flow: DataFlowObject): EventSubject {
  const subject: EventSubject = { namespace: flow.metadata.namespace ?? 'default', name: flow.metadata.name, uid: flow.metadata.uid ?? '' };
  if (flow.metadata.resourceVersion !== undefined) subject.resourceVersion = flow.metadata.resourceVersion;
  return subject;
}
