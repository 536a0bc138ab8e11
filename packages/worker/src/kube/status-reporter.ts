// The worker pod's report into its DataFlow's status subresource (decisions.md §4, ADR 0006). Each
// pod writes only its own entry `status.workers[<pod>]`, cumulative since the pod was created, with
// a JSON merge patch that touches nothing else: replicas never overwrite each other and no
// read-modify-write is needed. The controller sums the live entries and `status.retired` into the
// flow totals. A container restart keeps the pod name, so the restarted worker continues from the
// entry it finds (`loadBaseline`) and the pod's numbers never go down.
import { GROUP, PLURAL, VERSION, childNames } from '@dataflow/api';
import type { DataFlow, WorkerReport } from '@dataflow/api';
import type { Logger } from '../plugin.js';
import type { FlowCounts } from '../telemetry/counts.js';
import type { StatusReporter } from '../telemetry/status-reporter.js';
import { retryApiCall } from './api-retry.js';
import type { ApiRetryOptions } from './api-retry.js';
import { isKubeApiError } from './in-cluster.js';
import type { KubeApi } from './in-cluster.js';

export const MERGE_PATCH = 'application/merge-patch+json';
/** Field manager of the worker's writes (the controller applies its own fields under another). */
export const WORKER_FIELD_MANAGER = 'dataflow-worker';

export function dataFlowPath(namespace: string, name: string): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}/${encodeURIComponent(name)}`;
}

export interface KubernetesStatusReporterOptions {
  readonly api: KubeApi;
  readonly flow: { readonly namespace: string; readonly name: string };
  /** This pod's name (env POD_NAME): the key of its entry. */
  readonly podName: string;
  /** When this worker process started (`startedAt` of the entry). */
  readonly startedAt: Date;
  readonly log: Logger;
  /** Default: the wall clock. */
  readonly now?: () => Date;
  readonly retry?: ApiRetryOptions;
}

/** A reported count as a non-negative integer; anything else (a hand-edited status) counts as 0. */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

export class KubernetesStatusReporter implements StatusReporter {
  private readonly api: KubeApi;
  private readonly path: string;
  private readonly flowLabel: string;
  private readonly roleName: string;
  private readonly podName: string;
  private readonly startedAt: string;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly retry: ApiRetryOptions;
  private forbiddenLogged = false;

  constructor(options: KubernetesStatusReporterOptions) {
    if (options.podName === '') throw new Error('KubernetesStatusReporter: podName must not be empty');
    this.api = options.api;
    this.path = dataFlowPath(options.flow.namespace, options.flow.name);
    this.flowLabel = `${options.flow.namespace}/${options.flow.name}`;
    this.roleName = childNames.role(options.flow.name);
    this.podName = options.podName;
    this.startedAt = options.startedAt.toISOString();
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.retry = options.retry ?? {};
  }

  /**
   * The counts this pod reported before its container restarted (its own entry in the flow's
   * status), or undefined for a new pod. Retriable failures are retried (`retry`, default the
   * reporter's); anything else throws: starting from zero would make the pod's numbers go down.
   */
  async loadBaseline(retry: ApiRetryOptions = this.retry): Promise<FlowCounts | undefined> {
    const flow = await this.call(() => this.api.request<DataFlow>('GET', this.path), retry);
    const entry = flow.status?.workers?.[this.podName] as Partial<WorkerReport> | undefined;
    if (entry === undefined || entry === null || typeof entry !== 'object') return undefined;
    const baseline: FlowCounts = {
      processed: count(entry.processed),
      errors: count(entry.errors),
      filtered: count(entry.filtered),
      deadLettered: count(entry.deadLettered),
    };
    const last = entry.lastProcessedTime;
    return typeof last === 'string' && !Number.isNaN(Date.parse(last)) ? { ...baseline, lastProcessedTime: last } : baseline;
  }

  /** Writes this pod's entry with a fresh heartbeat. */
  async report(counts: FlowCounts): Promise<void> {
    const entry: WorkerReport = {
      processed: counts.processed,
      errors: counts.errors,
      filtered: counts.filtered,
      deadLettered: counts.deadLettered,
      heartbeat: this.now().toISOString(),
      startedAt: this.startedAt,
    };
    if (counts.lastProcessedTime !== undefined) entry.lastProcessedTime = counts.lastProcessedTime;
    const patch = { status: { workers: { [this.podName]: entry } } };
    await this.call(() => this.api.request('PATCH', `${this.path}/status?fieldManager=${WORKER_FIELD_MANAGER}`, patch, MERGE_PATCH));
  }

  private async call<T>(request: () => Promise<T>, retry: ApiRetryOptions = this.retry): Promise<T> {
    try {
      return await retryApiCall(request, retry);
    } catch (error) {
      if (isKubeApiError(error, 'forbidden') && !this.forbiddenLogged) {
        // Once: every later report fails the same way until the Role is fixed.
        this.forbiddenLogged = true;
        this.log.error(
          { err: error, flow: this.flowLabel, pod: this.podName },
          `the worker's service account may not read or patch DataFlow ${this.flowLabel} status (RBAC: the Role ${this.roleName} needs get on dataflows and get/patch on dataflows/status for this flow; right after the DataFlow is deleted this is expected: its Role is garbage-collected before the worker drains)`,
        );
      }
      if (isKubeApiError(error, 'not-found')) {
        throw new Error(`DataFlow ${this.flowLabel} does not exist (deleted while this worker runs?)`, { cause: error });
      }
      throw error;
    }
  }
}
