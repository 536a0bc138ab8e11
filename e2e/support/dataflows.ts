// DataFlow objects through the API as a user would touch them: create, read, merge-patch the spec,
// scale through the scale subresource, delete — and the children the operator owns.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { podReady } from './cluster.js';
import { MERGE_PATCH, isNotFound } from './kube.js';
import { waitFor } from './wait.js';

export const GROUP = 'dataflow.dataflow.io';
export const VERSION = 'v1';
export const PLURAL = 'dataflows';
/** Pod-template annotation with the hash of the worker config and the referenced Secrets' versions. */
export const CONFIG_HASH = 'dataflow.dataflow.io/config-hash';

export interface FlowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export interface WorkerEntry {
  processed: number;
  errors: number;
  heartbeat: string;
  error?: string;
}

export interface DataFlowStatus {
  phase?: string;
  message?: string;
  observedGeneration?: number;
  conditions?: FlowCondition[];
  processedCount?: number;
  errorCount?: number;
  replicas?: number;
  workers?: Record<string, WorkerEntry>;
  workerConfigHash?: string;
}

export interface DataFlowObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: Record<string, unknown>;
  status?: DataFlowStatus;
}

/** Pods of a flow's worker Deployment (the labels the operator sets). */
export function workerSelector(flow: string): string {
  return `app.kubernetes.io/name=dataflow-worker,dataflow.dataflow.io/name=${flow}`;
}

export function conditionOf(flow: DataFlowObject, type: string): FlowCondition | undefined {
  return flow.status?.conditions?.find((c) => c.type === type);
}

export class DataFlows {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly rbac: RbacAuthorizationV1Api;

  readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.namespace = namespace;
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  }

  async create(name: string, spec: Record<string, unknown>): Promise<DataFlowObject> {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'DataFlow', metadata: { name, namespace: this.namespace }, spec };
    return (await this.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, body })) as DataFlowObject;
  }

  async get(name: string): Promise<DataFlowObject> {
    return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name })) as DataFlowObject;
  }

  /** A JSON merge patch of spec (null removes a field). */
  async patchSpec(name: string, spec: Record<string, unknown>): Promise<DataFlowObject> {
    return (await this.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name, body: { spec } },
      MERGE_PATCH,
    )) as DataFlowObject;
  }

  async delete(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name });
  }

  /** Waits until `check` accepts the flow; the timeout error shows the last status seen. */
  async waitUntil(name: string, what: string, check: (flow: DataFlowObject) => boolean, timeoutMs = 30_000): Promise<DataFlowObject> {
    let last: DataFlowObject | undefined;
    try {
      return await waitFor(
        what,
        async () => {
          last = await this.get(name);
          return check(last) ? last : undefined;
        },
        { timeoutMs, intervalMs: 250 },
      );
    } catch (error) {
      const seen = last?.status === undefined ? 'no status' : JSON.stringify({ ...last.status, conditions: last.status.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`) });
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last status of ${name}: ${seen}`);
    }
  }

  /** The flow's worker pods that are not being deleted. */
  async pods(flow: string): Promise<V1Pod[]> {
    const pods = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: workerSelector(flow) });
    return pods.items.filter((p) => p.metadata?.deletionTimestamp === undefined || p.metadata.deletionTimestamp === null);
  }

  /** Every worker pod of the flow, terminating ones included. */
  async allPods(flow: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: workerSelector(flow) })).items;
  }

  /** Waits until exactly `count` pods exist (none terminating) and all are Ready; returns their names sorted. */
  async waitReadyPods(
    flow: string,
    count: number,
    timeoutMs = 60_000,
    accept: (pods: V1Pod[]) => boolean = () => true,
  ): Promise<string[]> {
    const pods = await waitFor(
      `${count} Ready worker pod(s) of ${flow} and no other`,
      async () => {
        const all = await this.allPods(flow);
        return all.length === count && all.every(podReady) && accept(all) ? all : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
    return pods.map((p) => p.metadata?.name ?? '').sort();
  }

  /** Waits until the Deployment's current template runs in exactly `count` Ready pods (none terminating, none older). */
  async waitRolledOut(flow: string, count: number, timeoutMs = 60_000): Promise<string[]> {
    const pods = await waitFor(
      `${count} Ready worker pod(s) of ${flow} on the current pod template and no other`,
      async () => {
        const hash = await this.templateHash(flow);
        const all = await this.allPods(flow);
        const current = all.every((p) => podReady(p) && p.metadata?.annotations?.[CONFIG_HASH] === hash);
        return all.length === count && current ? all : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
    return pods.map((p) => p.metadata?.name ?? '').sort();
  }

  /** The Deployment's pod-template config-hash annotation. */
  async templateHash(flow: string): Promise<string | undefined> {
    const deployment = await this.apps.readNamespacedDeployment({ name: `df-${flow}`, namespace: this.namespace });
    return deployment.spec?.template.metadata?.annotations?.[CONFIG_HASH];
  }

  /** Kind/name of every object in the namespace owned (ownerReference) by the object with `uid`. */
  async ownedChildren(uid: string): Promise<string[]> {
    const ns = this.namespace;
    const owned = (kind: string, items: Array<{ metadata?: V1ObjectMeta }>): string[] =>
      items.filter((i) => (i.metadata?.ownerReferences ?? []).some((o) => o.uid === uid)).map((i) => `${kind}/${i.metadata?.name ?? ''}`);
    const [deployments, configMaps, accounts, roles, bindings] = await Promise.all([
      this.apps.listNamespacedDeployment({ namespace: ns }),
      this.core.listNamespacedConfigMap({ namespace: ns }),
      this.core.listNamespacedServiceAccount({ namespace: ns }),
      this.rbac.listNamespacedRole({ namespace: ns }),
      this.rbac.listNamespacedRoleBinding({ namespace: ns }),
    ]);
    return [
      ...owned('Deployment', deployments.items),
      ...owned('ConfigMap', configMaps.items),
      ...owned('ServiceAccount', accounts.items),
      ...owned('Role', roles.items),
      ...owned('RoleBinding', bindings.items),
    ].sort();
  }

  /** True when `kind/name` (one of ownedChildren's kinds) no longer exists. */
  async childGone(ref: string): Promise<boolean> {
    const [kind, name = ''] = ref.split('/');
    const ns = this.namespace;
    try {
      if (kind === 'Deployment') await this.apps.readNamespacedDeployment({ name, namespace: ns });
      else if (kind === 'ConfigMap') await this.core.readNamespacedConfigMap({ name, namespace: ns });
      else if (kind === 'ServiceAccount') await this.core.readNamespacedServiceAccount({ name, namespace: ns });
      else if (kind === 'Role') await this.rbac.readNamespacedRole({ name, namespace: ns });
      else if (kind === 'RoleBinding') await this.rbac.readNamespacedRoleBinding({ name, namespace: ns });
      else throw new Error(`unknown kind in ${ref}`);
      return false;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  }
}
