// Reads served from the informers' caches, writes passed through. A level-triggered controller reads
// the world on every pass; reading it from the watch caches keeps a steady state free of API calls
// (the caches are at most a watch event behind, and a write based on a stale read fails its
// resourceVersion precondition or is simply repeated on the next pass).
import type { KubeClient } from './client.js';
import { matchesLabelSelector } from './objects.js';
import type { KubeObject, ListQuery, ObjectRef } from './objects.js';

/** What the controller needs from an informer's cache. */
export interface ObjectStore {
  get(name: string, namespace?: string): KubeObject | undefined;
  list(namespace?: string): readonly KubeObject[];
}

export interface CachedKind {
  apiVersion: string;
  kind: string;
  store: ObjectStore;
}

function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

export class CachedKubeClient implements KubeClient {
  private readonly inner: KubeClient;
  private readonly stores = new Map<string, ObjectStore>();

  /** `cached` lists the kinds whose informers cover every namespace the controller works in. */
  constructor(inner: KubeClient, cached: readonly CachedKind[]) {
    this.inner = inner;
    for (const entry of cached) this.stores.set(kindKey(entry.apiVersion, entry.kind), entry.store);
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const store = this.stores.get(kindKey(ref.apiVersion, ref.kind));
    if (store === undefined) return this.inner.get<T>(ref);
    const found = store.get(ref.name, ref.namespace);
    // Callers may change what they get; the cache must stay as the watch left it.
    return found === undefined ? undefined : (structuredClone(found) as T);
  }

  async list<T extends KubeObject>(query: ListQuery): Promise<T[]> {
    const store = this.stores.get(kindKey(query.apiVersion, query.kind));
    if (store === undefined) return this.inner.list<T>(query);
    return store
      .list(query.namespace)
      .filter((obj) => matchesLabelSelector(obj.metadata.labels, query.labelSelector))
      .map((obj) => structuredClone(obj) as T);
  }

  create<T extends KubeObject>(obj: T): Promise<T> {
    return this.inner.create(obj);
  }

  replace<T extends KubeObject>(obj: T): Promise<T> {
    return this.inner.replace(obj);
  }

  apply<T extends KubeObject>(obj: T): Promise<T> {
    return this.inner.apply(obj);
  }

  patchStatus(ref: ObjectRef, status: Record<string, unknown>, resourceVersion: string): Promise<void> {
    return this.inner.patchStatus(ref, status, resourceVersion);
  }

  delete(ref: ObjectRef): Promise<void> {
    return this.inner.delete(ref);
  }
}
