// Which DataFlow a watch event concerns. The queue only ever holds DataFlow keys (one root type per
// controller, controller-runtime FAQ): a child object maps to its owner flow, a Secret to the flows
// that reference it — only those, so a rotation rolls exactly the flows using the Secret.
import { API_VERSION, KIND, LABELS, secretRefsOf } from '@dataflow/api';
import { objectKey } from './kube/objects.js';
import type { KubeObject, ObjectKey } from './kube/objects.js';

/** Secret names a DataFlow's spec references (any shape: canonical or legacy). */
export function referencedSecretNames(spec: unknown): string[] {
  return [...new Set(secretRefsOf(spec).map(({ ref }) => ref.name))].sort();
}

/** flow → referenced Secret names, and back. Updated from DataFlow watch events. */
export class SecretIndex {
  private readonly secretsOfFlow = new Map<ObjectKey, { namespace: string; names: Set<string> }>();
  private readonly flowsOfSecret = new Map<ObjectKey, Set<ObjectKey>>();

  setFlow(namespace: string, flowName: string, secretNames: Iterable<string>): void {
    const flow = objectKey(namespace, flowName);
    this.removeFlow(namespace, flowName);
    const names = new Set(secretNames);
    if (names.size === 0) return;
    this.secretsOfFlow.set(flow, { namespace, names });
    for (const name of names) {
      const secret = objectKey(namespace, name);
      const flows = this.flowsOfSecret.get(secret) ?? new Set<ObjectKey>();
      flows.add(flow);
      this.flowsOfSecret.set(secret, flows);
    }
  }

  removeFlow(namespace: string, flowName: string): void {
    const flow = objectKey(namespace, flowName);
    const entry = this.secretsOfFlow.get(flow);
    if (entry === undefined) return;
    this.secretsOfFlow.delete(flow);
    for (const name of entry.names) {
      const secret = objectKey(entry.namespace, name);
      const flows = this.flowsOfSecret.get(secret);
      flows?.delete(flow);
      if (flows?.size === 0) this.flowsOfSecret.delete(secret);
    }
  }

  /** Keys of the flows in `namespace` that reference Secret `name`, sorted. */
  flowsUsing(namespace: string, name: string): ObjectKey[] {
    return [...(this.flowsOfSecret.get(objectKey(namespace, name)) ?? [])].sort();
  }
}

/** The key of the DataFlow that owns a child object (owner reference first, then the flow label). */
export function ownerFlowKey(obj: KubeObject): ObjectKey | undefined {
  const namespace = obj.metadata.namespace;
  if (namespace === undefined) return undefined;
  const owner = obj.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === KIND && o.apiVersion === API_VERSION);
  if (owner !== undefined) return objectKey(namespace, owner.name);
  // Pods are owned by ReplicaSets; they carry the flow's name as a label.
  const flow = obj.metadata.labels?.[LABELS.flow];
  return flow === undefined || flow === '' ? undefined : objectKey(namespace, flow);
}
