// A list+watch cache that keeps itself alive. client-node's ListWatch lists, then watches from the
// list's resourceVersion, relists on 410 Gone and reconnects after closes and timeouts; but any other
// error is only handed to its error callbacks and the informer stops (house-style.md §1.1). This
// wrapper owns the restart: with exponential backoff (1 s → 30 s, reset after a successful start),
// resuming from the last resourceVersion it saw (ListWatch keeps it), never from "now".
import { ListWatch, Watch } from '@kubernetes/client-node';
import type { Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ObjectStore } from '../kube/cached-client.js';
import { collectionPath } from '../kube/client.js';
import { errorSummary } from '../kube/errors.js';
import type { KubeObject, ListQuery } from '../kube/objects.js';
import type { Clock } from './clock.js';

export type InformerEventType = 'add' | 'update' | 'delete';
export type InformerHandler = (type: InformerEventType, obj: KubeObject) => void;

/** What the wrapper needs from client-node's ListWatch (tests pass a small fake). */
export type ListWatchLike = Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

export interface ResilientInformerOptions {
  /** For log lines, e.g. "Deployment (all namespaces)". */
  name: string;
  informer: ListWatchLike;
  clock: Clock;
  log: Logger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export const INFORMER_INITIAL_BACKOFF_MS = 1000;
export const INFORMER_MAX_BACKOFF_MS = 30_000;

// ListWatch hands out objects exactly as the API server sent them (list items get apiVersion/kind
// from our list function), i.e. wire JSON; its KubernetesObject type only claims Date-typed times.
function asWire(obj: KubernetesObject): KubeObject {
  return obj as unknown as KubeObject;
}

/** Annotation `kubectl apply` (client-side) keeps: a full copy of the applied object. */
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops from a cached object what the controller never reads and what makes up much of its size:
 * the field sets of `metadata.managedFields` (each entry keeps manager, operation and time, which
 * status.ts reads as the last sign of change) and kubectl's last-applied copy. Changes `obj` in
 * place: it is the very object the ListWatch keeps, so its cache holds the trimmed version.
 */
export function trimForCache(obj: KubeObject): void {
  const metadata = obj.metadata;
  if (metadata.managedFields !== undefined) {
    metadata.managedFields = metadata.managedFields.map(({ manager, operation, subresource, time }) => ({
      ...(manager === undefined ? {} : { manager }),
      ...(operation === undefined ? {} : { operation }),
      ...(subresource === undefined ? {} : { subresource }),
      ...(time === undefined ? {} : { time }),
    }));
  }
  if (metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
    const annotations = { ...metadata.annotations };
    delete annotations[LAST_APPLIED_ANNOTATION];
    metadata.annotations = annotations;
  }
}

export class ResilientInformer implements ObjectStore {
  readonly name: string;
  private readonly informer: ListWatchLike;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly handlers: InformerHandler[] = [];
  private backoffMs: number;
  private running = false;
  private restartPending = false;
  private failedDuringStart = false;
  private syncedOnce = false;
  private readonly stopController = new AbortController();
  private resolveSynced: (() => void) | undefined;
  private readonly syncedPromise: Promise<void>;

  constructor(options: ResilientInformerOptions) {
    this.name = options.name;
    this.informer = options.informer;
    this.clock = options.clock;
    this.log = options.log;
    this.initialBackoffMs = options.initialBackoffMs ?? INFORMER_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? INFORMER_MAX_BACKOFF_MS;
    this.backoffMs = this.initialBackoffMs;
    this.syncedPromise = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
    // Registered first, so every handler (and the cache, which holds the same object) sees it trimmed.
    for (const type of ['add', 'update'] as const) {
      this.informer.on(type, (obj) => {
        const wire = asWire(obj);
        trimForCache(wire);
        this.dispatch(type, wire);
      });
    }
    this.informer.on('delete', (obj) => this.dispatch('delete', asWire(obj)));
    this.informer.on('error', (error: unknown) => this.failed(error));
  }

  on(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  /** True once a list has completed: the cache holds the world as of then. */
  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Starts listing and watching; resolves when the cache first synced (or the informer stopped). */
  async start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      await this.attempt();
    }
    await Promise.race([this.syncedPromise, new Promise<void>((resolve) => this.stopController.signal.addEventListener('abort', () => resolve(), { once: true }))]);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopController.abort();
    await this.informer.stop();
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    const found = this.informer.get(name, namespace);
    return found === undefined ? undefined : asWire(found);
  }

  list(namespace?: string): readonly KubeObject[] {
    return this.informer.list(namespace).map(asWire);
  }

  private dispatch(type: InformerEventType, obj: KubeObject): void {
    for (const handler of this.handlers) {
      try {
        handler(type, obj);
      } catch (error) {
        this.log.error({ informer: this.name, error: errorSummary(error) }, 'Informer event handler failed');
      }
    }
  }

  private async attempt(): Promise<void> {
    this.failedDuringStart = false;
    try {
      await this.informer.start();
    } catch (error) {
      this.failed(error);
    }
    if (!this.running || this.failedDuringStart) return;
    this.backoffMs = this.initialBackoffMs;
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      this.log.debug({ informer: this.name }, 'Informer synced');
      this.resolveSynced?.();
    }
  }

  private failed(error: unknown): void {
    if (!this.running) return; // stop() aborts the watch, which reports as an error
    this.failedDuringStart = true;
    if (this.restartPending) return;
    this.restartPending = true;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.log.warn({ informer: this.name, error: errorSummary(error), retryInMs: delay }, 'Informer failed; restarting');
    void this.clock.sleep(delay, this.stopController.signal).then(async () => {
      this.restartPending = false;
      if (this.running) await this.attempt();
    });
  }
}

/**
 * A client-node ListWatch over one kind (optionally one namespace and a label selector), not started.
 * `list` must return every item (all pages) with apiVersion/kind set, and the list's resourceVersion.
 */
export function createListWatch(
  kubeConfig: KubeConfig,
  query: ListQuery,
  list: () => Promise<{ items: KubeObject[]; resourceVersion: string }>,
  clock: Clock,
): ListWatch<KubernetesObject> {
  const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const result = await list();
    return {
      apiVersion: query.apiVersion,
      kind: `${query.kind}List`,
      metadata: { resourceVersion: result.resourceVersion },
      items: result.items as unknown as KubernetesObject[],
    };
  };
  return new ListWatch(collectionPath(query), new Watch(kubeConfig), listFn, false, query.labelSelector, undefined, {
    delayFn: (ms) => clock.sleep(ms),
  });
}
