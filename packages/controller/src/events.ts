// Kubernetes Events on the DataFlow, with the upstream reasons (upstream-reference.md §3.3) and
// the recorder name `dataflow-controller`. Events are emitted on real change only: Created/Updated
// come from applies that changed something, and a Warning repeated by retries is recorded once per
// distinct message until the problem clears (no event spam, §9.3 item 18). Recording an event never
// fails a reconcile: a lost event is logged and forgotten.
import { randomBytes } from 'node:crypto';
import { API_VERSION, EVENT_SOURCE, KIND } from '@dataflow/api';
import type { Logger } from 'pino';
import type { KubeClient } from './kube/client.js';
import { errorSummary } from './kube/errors.js';
import type { KubeObject } from './kube/objects.js';

export const EVENT_REASONS = {
  configMapCreated: 'ConfigMapCreated',
  configMapUpdated: 'ConfigMapUpdated',
  deploymentCreated: 'DeploymentCreated',
  deploymentUpdated: 'DeploymentUpdated',
  invalidSpec: 'InvalidSpec',
  secretResolutionFailed: 'SecretResolutionFailed',
  configMapFailed: 'ConfigMapFailed',
  deploymentFailed: 'DeploymentFailed',
  /** Failed to apply the worker's ServiceAccount, Role or RoleBinding. */
  rbacFailed: 'WorkerRBACFailed',
  statusUpdateFailed: 'StatusUpdateFailed',
} as const;
export type EventReason = (typeof EVENT_REASONS)[keyof typeof EVENT_REASONS];

export type EventType = 'Normal' | 'Warning';

/** The flow an event is about. */
export interface EventSubject {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion?: string;
}

export interface EventObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'Event';
  involvedObject: { apiVersion: string; kind: string; namespace: string; name: string; uid: string; resourceVersion?: string };
  reason: string;
  message: string;
  type: EventType;
  source: { component: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

export interface EventRecorderOptions {
  client: KubeClient;
  log: Logger;
  /** Name of this operator instance (the pod name), shown as the reporting instance. */
  instance: string;
  now?: () => Date;
}

/** Events API messages are limited to 1 KiB. */
const MAX_EVENT_MESSAGE = 1024;

function truncate(text: string): string {
  return text.length > MAX_EVENT_MESSAGE ? `${text.slice(0, MAX_EVENT_MESSAGE - 1)}…` : text;
}

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly instance: string;
  private readonly now: () => Date;
  /** Last Warning message per flow uid and reason: an identical repeat is not recorded again. */
  private readonly lastWarning = new Map<string, Map<string, string>>();

  constructor(options: EventRecorderOptions) {
    this.client = options.client;
    this.log = options.log;
    this.instance = options.instance;
    this.now = options.now ?? (() => new Date());
  }

  async normal(subject: EventSubject, reason: EventReason, message: string): Promise<void> {
    await this.emit(subject, 'Normal', reason, message);
  }

  /** Records a Warning unless the same reason with the same message is already on record. */
  async warning(subject: EventSubject, reason: EventReason, message: string): Promise<void> {
    const text = truncate(message);
    const reasons = this.lastWarning.get(subject.uid) ?? new Map<string, string>();
    if (reasons.get(reason) === text) return;
    reasons.set(reason, text);
    this.lastWarning.set(subject.uid, reasons);
    await this.emit(subject, 'Warning', reason, text);
  }

  /** The problem behind `reason` is gone: the next Warning with it is recorded even if identical. */
  resolved(subject: Pick<EventSubject, 'uid'>, reason: EventReason): void {
    this.lastWarning.get(subject.uid)?.delete(reason);
  }

  /** The flow is gone: drop what is remembered about it. */
  forget(uid: string): void {
    this.lastWarning.delete(uid);
  }

  private async emit(subject: EventSubject, type: EventType, reason: EventReason, message: string): Promise<void> {
    const now = this.now();
    const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const involvedObject: EventObject['involvedObject'] = {
      apiVersion: API_VERSION,
      kind: KIND,
      namespace: subject.namespace,
      name: subject.name,
      uid: subject.uid,
    };
    if (subject.resourceVersion !== undefined) involvedObject.resourceVersion = subject.resourceVersion;
    const event: EventObject = {
      apiVersion: 'v1',
      kind: 'Event',
      // client-go names events <object>.<unique hex>; the random part keeps names unique across replicas.
      metadata: { name: `${subject.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`, namespace: subject.namespace },
      involvedObject,
      reason,
      message: truncate(message),
      type,
      source: { component: EVENT_SOURCE },
      reportingComponent: EVENT_SOURCE,
      reportingInstance: this.instance,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    try {
      await this.client.create(event);
      this.log.debug({ flow: `${subject.namespace}/${subject.name}`, reason, type }, 'Emitted event');
    } catch (error) {
      this.log.warn({ flow: `${subject.namespace}/${subject.name}`, reason, error: errorSummary(error) }, 'Failed to record event');
    }
  }
}
