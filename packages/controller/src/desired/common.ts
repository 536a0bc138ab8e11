// What every child object of a flow shares: its namespace, the flow's labels and a controller owner
// reference, so garbage collection removes it with the DataFlow (no finalizer needed).
import { API_VERSION, KIND, workerLabels } from '@dataflow/api';
import type { OwnerReference, WireObjectMeta } from '../kube/objects.js';

/** The identity of the flow whose children are being built. */
export interface FlowRef {
  namespace: string;
  name: string;
  uid: string;
}

export function ownerReferenceTo(flow: FlowRef): OwnerReference {
  return { apiVersion: API_VERSION, kind: KIND, name: flow.name, uid: flow.uid, controller: true, blockOwnerDeletion: true };
}

export function childMetadata(flow: FlowRef, name: string): WireObjectMeta {
  return {
    name,
    namespace: flow.namespace,
    labels: workerLabels(flow.name),
    ownerReferences: [ownerReferenceTo(flow)],
  };
}
