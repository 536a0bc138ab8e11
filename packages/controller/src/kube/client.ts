// The controller's narrow port to the API server, and its adapter over @kubernetes/client-node.
// Reconcile code only ever sees KubeClient; unit tests use a tiny in-memory fake of it
// (src/testing/fake-client.ts), and the real thing is proven in e2e/.
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { RequestContext } from '@kubernetes/client-node';
import { FIELD_MANAGER, GROUP, KIND, PLURAL, VERSION } from '@dataflow/api';
import { toKubeError } from './errors.js';
import { describeRef } from './objects.js';
import type { KubeObject, ListQuery, ObjectRef } from './objects.js';

export interface KubeClient {
  /** The object, or undefined when it does not exist. */
  get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject>(query: ListQuery): Promise<T[]>;
  /** Creates; fails with AlreadyExists when the name is taken. */
  create<T extends KubeObject>(obj: T): Promise<T>;
  /** Replaces; `metadata.resourceVersion` is the precondition (Conflict when it moved on). */
  replace<T extends KubeObject>(obj: T): Promise<T>;
  /** Server-side apply with the controller's field manager, forcing ownership of the fields it sets. */
  apply<T extends KubeObject>(obj: T): Promise<T>;
  /**
   * JSON merge patch of the DataFlow status subresource, guarded by `resourceVersion` (Conflict when
   * the object changed since it was read). `null` members delete fields or map entries.
   */
  patchStatus(ref: ObjectRef, status: Record<string, unknown>, resourceVersion: string): Promise<void>;
  /** Deletes; an object that is already gone is not an error. */
  delete(ref: ObjectRef): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Resource paths (for watches) of the kinds the controller touches.

const PLURALS: Readonly<Record<string, string>> = {
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  Pod: 'pods',
  ServiceAccount: 'serviceaccounts',
  Event: 'events',
  Deployment: 'deployments',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  Lease: 'leases',
  [KIND]: PLURAL,
};

/** The collection URL path of a kind, e.g. `/apis/apps/v1/namespaces/x/deployments`. */
export function collectionPath(query: Pick<ListQuery, 'apiVersion' | 'kind' | 'namespace'>): string {
  const plural = PLURALS[query.kind];
  if (plural === undefined) throw new Error(`no resource path known for kind ${query.kind}`);
  const root = query.apiVersion.includes('/') ? `/apis/${query.apiVersion}` : `/api/${query.apiVersion}`;
  const scope = query.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(query.namespace)}`;
  return `${root}${scope}/${plural}`;
}

// ---------------------------------------------------------------------------------------------
// Wire format. client-node deserialises responses into model classes whose times are Date objects;
// the controller works on the JSON the API server sent, so every result goes back through JSON.
// (Exact for the kinds used here: none of their models renames a field — only ListMeta's
// `_continue`, JSONSchemaProps and a few unrelated kinds do.)

/** Plain wire JSON of a client-node result, with apiVersion/kind filled in (list items lack them). */
export function toWire<T extends KubeObject>(value: unknown, apiVersion: string, kind: string): T {
  const plain = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  plain['apiVersion'] = apiVersion;
  plain['kind'] = kind;
  return plain as unknown as T;
}

/** client-node's object type; our wire objects differ only in carrying times as strings. */
function asClientObject(obj: KubeObject): KubernetesObject {
  return obj as unknown as KubernetesObject;
}

function header(ref: ObjectRef): KubernetesObject & { metadata: { name: string; namespace?: string } } {
  const metadata: { name: string; namespace?: string } = { name: ref.name };
  if (ref.namespace !== undefined) metadata.namespace = ref.namespace;
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata };
}

function refText(obj: KubeObject): string {
  return describeRef({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }) });
}

/** List pages are bounded so a cluster with many objects is read in several round trips. */
const PAGE_SIZE = 500;

interface ListMetaLike {
  resourceVersion?: string;
  _continue?: string;
  continue?: string;
}

export interface ApiKubeClientOptions {
  /** Field manager of server-side apply; default FIELD_MANAGER (`dataflow-controller`). */
  fieldManager?: string;
}

export class ApiKubeClient implements KubeClient {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;
  private readonly fieldManager: string;

  constructor(kubeConfig: KubeConfig, options: ApiKubeClientOptions = {}) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.fieldManager = options.fieldManager ?? FIELD_MANAGER;
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      const found = await this.objects.read(header(ref));
      return toWire<T>(found, ref.apiVersion, ref.kind);
    } catch (error) {
      const mapped = toKubeError(error, `get ${describeRef(ref)}`);
      if (mapped.kind === 'NotFound') return undefined;
      throw mapped;
    }
  }

  async list<T extends KubeObject>(query: ListQuery): Promise<T[]> {
    return (await this.listWithVersion<T>(query)).items;
  }

  /** Every page of a list, and the resourceVersion a watch resumes from. */
  async listWithVersion<T extends KubeObject>(query: ListQuery): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    const what = `list ${query.kind}${query.namespace === undefined ? '' : ` in ${query.namespace}`}`;
    do {
      let page: KubernetesListObject<KubernetesObject>;
      try {
        page = await this.objects.list(query.apiVersion, query.kind, query.namespace, undefined, undefined, undefined, undefined, query.labelSelector, PAGE_SIZE, continueToken);
      } catch (error) {
        throw toKubeError(error, what);
      }
      for (const item of page.items) items.push(toWire<T>(item, query.apiVersion, query.kind));
      const meta = (page.metadata ?? {}) as ListMetaLike;
      resourceVersion = meta.resourceVersion ?? resourceVersion;
      const next = meta._continue ?? meta.continue;
      continueToken = next === undefined || next === '' ? undefined : next;
    } while (continueToken !== undefined);
    return { items, resourceVersion };
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    try {
      return toWire<T>(await this.objects.create(asClientObject(obj), undefined, undefined, this.fieldManager), obj.apiVersion, obj.kind);
    } catch (error) {
      throw toKubeError(error, `create ${refText(obj)}`);
    }
  }

  async replace<T extends KubeObject>(obj: T): Promise<T> {
    try {
      return toWire<T>(await this.objects.replace(asClientObject(obj), undefined, undefined, this.fieldManager), obj.apiVersion, obj.kind);
    } catch (error) {
      throw toKubeError(error, `replace ${refText(obj)}`);
    }
  }

  async apply<T extends KubeObject>(obj: T): Promise<T> {
    try {
      const applied = await this.objects.patch(asClientObject(obj), undefined, undefined, this.fieldManager, true, PatchStrategy.ServerSideApply);
      return toWire<T>(applied, obj.apiVersion, obj.kind);
    } catch (error) {
      throw toKubeError(error, `apply ${refText(obj)}`);
    }
  }

  async patchStatus(ref: ObjectRef, status: Record<string, unknown>, resourceVersion: string): Promise<void> {
    if (ref.apiVersion !== `${GROUP}/${VERSION}` || ref.kind !== KIND || ref.namespace === undefined) {
      throw new Error(`patchStatus supports namespaced ${KIND} objects only, got ${describeRef(ref)}`);
    }
    try {
      await this.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: ref.namespace,
          plural: PLURAL,
          name: ref.name,
          // metadata.resourceVersion in a patch body is a precondition: a concurrent change → 409.
          body: { metadata: { resourceVersion }, status },
          fieldManager: this.fieldManager,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (error) {
      throw toKubeError(error, `patch status of ${describeRef(ref)}`);
    }
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.objects.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
    } catch (error) {
      const mapped = toKubeError(error, `delete ${describeRef(ref)}`);
      if (mapped.kind === 'NotFound') return;
      throw mapped;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Secret metadata only. The controller needs a Secret's existence and resourceVersion (to roll pods
// on rotation), never its values, so it asks the API server for PartialObjectMetadata: the operator
// process then never holds secret data in memory.

const PARTIAL_OBJECT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** A KubeConfig whose requests ask for object metadata only (used for the Secret watch). */
class MetadataOnlyKubeConfig extends KubeConfig {
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('Accept', PARTIAL_OBJECT);
  }
}

export function metadataOnlyKubeConfig(source: KubeConfig): KubeConfig {
  const config = new MetadataOnlyKubeConfig();
  config.loadFromOptions({
    clusters: source.clusters,
    users: source.users,
    contexts: source.contexts,
    currentContext: source.currentContext,
  });
  return config;
}

/** Lists Secrets as metadata (name, namespace, resourceVersion, labels…), every page. */
export async function listSecretMetadata(
  kubeConfig: KubeConfig,
  namespace: string | undefined,
): Promise<{ items: KubeObject[]; resourceVersion: string }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const accept = setHeaderOptions('Accept', PARTIAL_LIST);
  const items: KubeObject[] = [];
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const params = { limit: PAGE_SIZE, ...(continueToken === undefined ? {} : { _continue: continueToken }) };
    try {
      const page =
        namespace === undefined
          ? await core.listSecretForAllNamespaces(params, accept)
          : await core.listNamespacedSecret({ namespace, ...params }, accept);
      // An empty PartialObjectMetadataList comes back with `"items": null`, whatever the type says.
      for (const item of (page.items as typeof page.items | null) ?? []) {
        // Only metadata is asked for; drop anything else defensively before it is kept in a cache.
        const wire = toWire<KubeObject>(item, 'v1', 'Secret');
        items.push({ apiVersion: 'v1', kind: 'Secret', metadata: wire.metadata });
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      const next = page.metadata?._continue;
      continueToken = next === undefined || next === '' ? undefined : next;
    } catch (error) {
      throw toKubeError(error, `list Secret metadata${namespace === undefined ? '' : ` in ${namespace}`}`);
    }
  } while (continueToken !== undefined);
  return { items, resourceVersion };
}
