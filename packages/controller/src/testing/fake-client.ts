// A deliberately tiny in-memory stand-in for the KubeClient port, for unit tests of the reconcile.
// It keeps objects and resourceVersions and honours the preconditions the controller relies on
// (create → AlreadyExists, replace/patchStatus → Conflict on a stale resourceVersion). It does NOT
// imitate defaulting, admission or garbage collection: tests assert on the resulting objects, and
// the real behaviour is proven against a real API server in e2e/.
import { deepEqual } from '@dataflow/api';
import type { KubeClient } from '../kube/client.js';
import { KubeApiError } from '../kube/errors.js';
import { describeRef, matchesLabelSelector } from '../kube/objects.js';
import type { KubeObject, ListQuery, ObjectRef } from '../kube/objects.js';

function keyOf(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

function refOfObject(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const base: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

export class FakeKubeClient implements KubeClient {
  private readonly objects = new Map<string, KubeObject>();
  private version = 1;
  private uidCounter = 0;
  private readonly now: () => Date;
  /** Set to make the next matching call fail (one shot). */
  failNext: { verb: 'get' | 'list' | 'create' | 'replace' | 'apply' | 'patchStatus' | 'delete'; kind?: string; error: Error } | undefined;

  /** `now` stamps creationTimestamp on created objects. */
  constructor(options: { now?: () => Date } = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** Puts an object as if someone else created it (fills uid, resourceVersion, generation). */
  seed<T extends KubeObject>(obj: T): T {
    const stored = structuredClone(obj);
    stored.metadata.uid ??= `uid-${++this.uidCounter}`;
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.generation ??= 1;
    stored.metadata.creationTimestamp ??= this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.objects.set(keyOf(refOfObject(stored)), stored);
    return structuredClone(stored);
  }

  /** A copy of the stored object, or undefined. */
  peek<T extends KubeObject>(ref: ObjectRef): T | undefined {
    const found = this.objects.get(keyOf(ref));
    return found === undefined ? undefined : (structuredClone(found) as T);
  }

  all(): KubeObject[] {
    return [...this.objects.values()].map((o) => structuredClone(o));
  }

  /** kind/namespace/name → resourceVersion of everything stored: equal snapshots mean no writes happened. */
  versions(): Record<string, string> {
    return Object.fromEntries([...this.objects.entries()].map(([key, obj]) => [key, obj.metadata.resourceVersion ?? '']));
  }

  /** Changes an object in place as another actor would (bumps resourceVersion; generation when the spec changes). */
  mutate<T extends KubeObject>(ref: ObjectRef, change: (obj: T) => void): T {
    const found = this.objects.get(keyOf(ref)) as T | undefined;
    if (found === undefined) throw new Error(`fake: ${describeRef(ref)} does not exist`);
    const before = structuredClone(found) as KubeObject & { spec?: unknown };
    change(found);
    found.metadata.resourceVersion = String(++this.version);
    if (!deepEqual(before.spec, (found as KubeObject & { spec?: unknown }).spec)) found.metadata.generation = (found.metadata.generation ?? 1) + 1;
    return structuredClone(found);
  }

  remove(ref: ObjectRef): void {
    this.objects.delete(keyOf(ref));
  }

  private maybeFail(verb: NonNullable<FakeKubeClient['failNext']>['verb'], kind: string): void {
    const failure = this.failNext;
    if (failure !== undefined && failure.verb === verb && (failure.kind === undefined || failure.kind === kind)) {
      this.failNext = undefined;
      throw failure.error;
    }
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    this.maybeFail('get', ref.kind);
    return Promise.resolve(this.peek<T>(ref));
  }

  async list<T extends KubeObject>(query: ListQuery): Promise<T[]> {
    this.maybeFail('list', query.kind);
    return Promise.resolve(
      this.all().filter(
        (o) =>
          o.apiVersion === query.apiVersion &&
          o.kind === query.kind &&
          (query.namespace === undefined || o.metadata.namespace === query.namespace) &&
          matchesLabelSelector(o.metadata.labels, query.labelSelector),
      ) as T[],
    );
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    this.maybeFail('create', obj.kind);
    if (this.objects.has(keyOf(refOfObject(obj)))) throw new KubeApiError('AlreadyExists', 409, `${describeRef(refOfObject(obj))} already exists`, 'AlreadyExists');
    return Promise.resolve(this.seed(obj));
  }

  async replace<T extends KubeObject>(obj: T): Promise<T> {
    this.maybeFail('replace', obj.kind);
    const current = this.objects.get(keyOf(refOfObject(obj)));
    if (current === undefined) throw new KubeApiError('NotFound', 404, `${describeRef(refOfObject(obj))} not found`, 'NotFound');
    if (obj.metadata.resourceVersion !== current.metadata.resourceVersion) throw new KubeApiError('Conflict', 409, 'the object has been modified', 'Conflict');
    const stored = structuredClone(obj);
    stored.metadata = { ...stored.metadata, resourceVersion: String(++this.version) };
    this.objects.set(keyOf(refOfObject(obj)), stored);
    return Promise.resolve(structuredClone(stored));
  }

  /** Server-side apply, simplified: the applied object replaces the stored one; status and identity are kept. */
  async apply<T extends KubeObject>(obj: T): Promise<T> {
    this.maybeFail('apply', obj.kind);
    const ref = refOfObject(obj);
    const current = this.objects.get(keyOf(ref)) as (KubeObject & { status?: unknown; spec?: unknown }) | undefined;
    if (current === undefined) return Promise.resolve(this.seed(obj));
    const next = structuredClone(obj) as T & { status?: unknown; spec?: unknown };
    if (current.status !== undefined) next.status = current.status;
    const generation = current.metadata.generation ?? 1;
    next.metadata = {
      ...current.metadata,
      ...next.metadata,
      resourceVersion: String(++this.version),
      generation: deepEqual(current.spec, next.spec) ? generation : generation + 1,
    };
    this.objects.set(keyOf(ref), next);
    return Promise.resolve(structuredClone(next));
  }

  async patchStatus(ref: ObjectRef, status: Record<string, unknown>, resourceVersion: string): Promise<void> {
    this.maybeFail('patchStatus', ref.kind);
    const current = this.objects.get(keyOf(ref)) as (KubeObject & { status?: unknown }) | undefined;
    if (current === undefined) throw new KubeApiError('NotFound', 404, `${describeRef(ref)} not found`, 'NotFound');
    if (current.metadata.resourceVersion !== resourceVersion) throw new KubeApiError('Conflict', 409, 'the object has been modified', 'Conflict');
    current.status = mergePatch(current.status, status);
    current.metadata.resourceVersion = String(++this.version);
    return Promise.resolve();
  }

  async delete(ref: ObjectRef): Promise<void> {
    this.maybeFail('delete', ref.kind);
    this.objects.delete(keyOf(ref));
    return Promise.resolve();
  }
}
