// Kubernetes objects as the API server sends them over the wire (plain JSON, times as RFC 3339
// strings). client-node's generated model types turn times into Date objects, so the controller keeps
// its own narrow wire types for what it reads, and uses client-node's spec types only for what it
// builds (specs carry no times).

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface WireObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  /** Who last wrote which fields, and when (server-side apply bookkeeping; read, never sent). */
  managedFields?: Array<{ manager?: string; operation?: string; subresource?: string; time?: string }>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: WireObjectMeta;
}

/** Which object: enough to build its URL. `namespace` is absent for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** A list request: every object of one kind, optionally in one namespace and matching a label selector. */
export interface ListQuery {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
}

/** `namespace/name`, the key of the work queue and of every per-object map. */
export type ObjectKey = `${string}/${string}`;

export function objectKey(namespace: string, name: string): ObjectKey {
  return `${namespace}/${name}`;
}

/** Splits a key; throws for anything that is not `namespace/name`. */
export function parseObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  if (slash <= 0 || slash === key.length - 1 || key.includes('/', slash + 1)) {
    throw new Error(`object key "${key}" must be "<namespace>/<name>"`);
  }
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace !== undefined) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** `Kind namespace/name`, for log lines and error messages. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace === undefined ? `${ref.kind} ${ref.name}` : `${ref.kind} ${ref.namespace}/${ref.name}`;
}

/** Label selector text (`a=b,c=d`) from a map, keys sorted so equal maps give equal text. */
export function labelSelectorOf(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key] ?? ''}`)
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// What the controller reads from Deployments and Pods to derive the flow's phase.

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface ObservedDeployment extends KubeObject {
  spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface ContainerStateDetail {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string; finishedAt?: string };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerStateDetail;
  lastState?: ContainerStateDetail;
}

export interface ObservedPod extends KubeObject {
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: ContainerStatus[];
  };
}

/**
 * True when `labels` satisfy an equality-based selector (`a=b,c!=d,e`), the only form the controller
 * writes. Set-based terms (`in`, `notin`) are rejected rather than misread.
 */
export function matchesLabelSelector(labels: Readonly<Record<string, string>> | undefined, selector: string | undefined): boolean {
  if (selector === undefined || selector.trim() === '') return true;
  const have = labels ?? {};
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    if (/\s(in|notin)\s/.test(term) || term.includes('(')) throw new Error(`label selector term "${term}" is not supported here`);
    const notEqual = term.indexOf('!=');
    if (notEqual > 0) return have[term.slice(0, notEqual)] !== term.slice(notEqual + 2);
    if (term.startsWith('!')) return !Object.hasOwn(have, term.slice(1));
    const equal = term.indexOf('=');
    if (equal < 0) return Object.hasOwn(have, term);
    const key = term.slice(0, equal);
    const value = term.slice(term[equal + 1] === '=' ? equal + 2 : equal + 1);
    return have[key] === value;
  });
}
