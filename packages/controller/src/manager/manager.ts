// Wires the controller together: one informer per watched kind and namespace, their events mapped
// to DataFlow keys on the work queue, the reconcile workers, and a periodic resync. Reads in the
// reconcile are served from these informers' caches (kube/cached-client.ts).
import { API_VERSION, KIND, LABELS, LABEL_VALUES } from '@dataflow/api';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CachedKubeClient } from '../kube/cached-client.js';
import type { CachedKind, ObjectStore } from '../kube/cached-client.js';
import { ApiKubeClient, listSecretMetadata, metadataOnlyKubeConfig } from '../kube/client.js';
import type { KubeClient } from '../kube/client.js';
import { objectKey } from '../kube/objects.js';
import type { KubeObject, ListQuery } from '../kube/objects.js';
import type { ControllerMetrics } from '../metrics.js';
import { SecretIndex, ownerFlowKey, referencedSecretNames } from '../watches.js';
import type { Clock } from './clock.js';
import { runControllerLoop } from './controller-loop.js';
import { ResilientInformer, createListWatch } from './informer.js';
import type { Reconciler } from './reconciler.js';
import { WorkQueue } from './workqueue.js';

/** Child kinds, watched through the label every child carries. */
const CHILD_KINDS: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'v1', kind: 'Pod' },
];

const CHILD_SELECTOR = `${LABELS.managedBy}=${LABEL_VALUES.managedBy}`;

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty = all namespaces. */
  namespaces: readonly string[];
  log: Logger;
  metrics: ControllerMetrics;
  clock: Clock;
  /** Builds the reconciler from the cache-backed client the manager provides. */
  reconciler: (client: KubeClient) => Reconciler;
  /** Parallel reconciles; default 8. */
  workers?: number;
  /** Every flow is reconciled at least this often, events or not; default 10 min (0 = never). */
  resyncPeriodMs?: number;
}

/** The stores of one kind across the watched namespaces, as one store. */
class MultiNamespaceStore implements ObjectStore {
  private readonly byNamespace: ReadonlyMap<string | undefined, ResilientInformer>;

  constructor(byNamespace: ReadonlyMap<string | undefined, ResilientInformer>) {
    this.byNamespace = byNamespace;
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    const scoped = this.byNamespace.get(namespace) ?? this.byNamespace.get(undefined);
    return scoped?.get(name, namespace);
  }

  list(namespace?: string): readonly KubeObject[] {
    if (namespace !== undefined) return (this.byNamespace.get(namespace) ?? this.byNamespace.get(undefined))?.list(namespace) ?? [];
    return [...this.byNamespace.values()].flatMap((informer) => informer.list());
  }
}

export class Manager {
  readonly queue: WorkQueue;
  private readonly options: ManagerOptions;
  private readonly informers: ResilientInformer[] = [];
  private readonly flowInformers: ResilientInformer[] = [];
  private readonly secretIndex = new SecretIndex();
  private readonly client: KubeClient;
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;
  private resyncTimer: { cancel(): void } | undefined;
  private started = false;

  constructor(options: ManagerOptions) {
    this.options = options;
    this.queue = new WorkQueue({ clock: options.clock });
    const api = new ApiKubeClient(options.kubeConfig);
    const scopes: Array<string | undefined> = options.namespaces.length === 0 ? [undefined] : [...options.namespaces];
    const metadataConfig = metadataOnlyKubeConfig(options.kubeConfig);

    const cached: CachedKind[] = [];
    const watchKind = (kind: { apiVersion: string; kind: string }, labelSelector: string | undefined, secretsOnly: boolean): ResilientInformer[] => {
      const byNamespace = new Map<string | undefined, ResilientInformer>();
      for (const namespace of scopes) {
        const query: ListQuery = { ...kind, ...(namespace === undefined ? {} : { namespace }), ...(labelSelector === undefined ? {} : { labelSelector }) };
        const list = secretsOnly ? () => listSecretMetadata(options.kubeConfig, namespace) : () => api.listWithVersion<KubeObject>(query);
        const listWatch = createListWatch(secretsOnly ? metadataConfig : options.kubeConfig, query, list, options.clock);
        const informer = new ResilientInformer({
          name: `${kind.kind} (${namespace ?? 'all namespaces'})`,
          informer: listWatch,
          clock: options.clock,
          log: options.log,
        });
        byNamespace.set(namespace, informer);
        this.informers.push(informer);
      }
      cached.push({ ...kind, store: new MultiNamespaceStore(byNamespace) });
      return [...byNamespace.values()];
    };

    for (const informer of watchKind({ apiVersion: API_VERSION, kind: KIND }, undefined, false)) {
      this.flowInformers.push(informer);
      informer.on((type, flow) => this.onFlow(type, flow));
    }
    for (const kind of CHILD_KINDS) {
      for (const informer of watchKind(kind, CHILD_SELECTOR, false)) informer.on((_type, child) => this.onChild(child));
    }
    for (const informer of watchKind({ apiVersion: 'v1', kind: 'Secret' }, undefined, true)) {
      informer.on((_type, secret) => this.onSecret(secret));
    }
    this.client = new CachedKubeClient(api, cached);
  }

  /** True once every informer synced (the caches hold the world). */
  get synced(): boolean {
    return this.started && this.informers.every((i) => i.synced);
  }

  /** Starts the informers, waits until they synced, then starts the reconcile workers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { log } = this.options;
    await Promise.all(this.informers.map((informer) => informer.start()));
    if (this.controller.signal.aborted) return;
    log.info({ informers: this.informers.length }, 'Caches synced; starting workers');
    this.loop = runControllerLoop({
      queue: this.queue,
      reconciler: this.options.reconciler(this.client),
      metrics: this.options.metrics,
      log,
      signal: this.controller.signal,
      ...(this.options.workers === undefined ? {} : { workers: this.options.workers }),
    });
    this.scheduleResync();
  }

  /** Stops taking work, lets running reconciles finish (up to `drainTimeoutMs`), stops the watches. */
  async stop(drainTimeoutMs = 30_000): Promise<void> {
    this.resyncTimer?.cancel();
    const drained = this.queue.shutDownWithDrain().then(() => 'drained' as const);
    const cancelTimeout = new AbortController();
    const timedOut = this.options.clock.sleep(drainTimeoutMs, cancelTimeout.signal).then(() => 'timeout' as const);
    const outcome = await Promise.race([drained, timedOut]);
    cancelTimeout.abort();
    if (outcome === 'timeout') this.options.log.warn({ drainTimeoutMs }, 'Reconciles still running at shutdown; abandoning them');
    this.controller.abort();
    await Promise.all(this.informers.map((informer) => informer.stop()));
    await this.loop;
  }

  private onFlow(type: 'add' | 'update' | 'delete', flow: KubeObject): void {
    const namespace = flow.metadata.namespace;
    if (namespace === undefined) return;
    if (type === 'delete') this.secretIndex.removeFlow(namespace, flow.metadata.name);
    else this.secretIndex.setFlow(namespace, flow.metadata.name, referencedSecretNames((flow as KubeObject & { spec?: unknown }).spec));
    this.queue.add(objectKey(namespace, flow.metadata.name));
  }

  private onChild(child: KubeObject): void {
    const key = ownerFlowKey(child);
    if (key !== undefined) this.queue.add(key);
  }

  private onSecret(secret: KubeObject): void {
    const namespace = secret.metadata.namespace;
    if (namespace === undefined) return;
    for (const key of this.secretIndex.flowsUsing(namespace, secret.metadata.name)) this.queue.add(key);
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 600_000;
    if (period <= 0 || this.controller.signal.aborted) return;
    this.resyncTimer = this.options.clock.setTimer(() => {
      for (const informer of this.flowInformers) {
        for (const flow of informer.list()) {
          if (flow.metadata.namespace !== undefined) this.queue.add(objectKey(flow.metadata.namespace, flow.metadata.name));
        }
      }
      this.scheduleResync();
    }, period);
  }
}
