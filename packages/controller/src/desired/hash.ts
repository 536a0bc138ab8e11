// Content hashes of desired objects. The controller stamps every child it applies with the hash of
// what it applied, and re-applies only when the freshly built object hashes differently: comparing
// against a server-defaulted live object would see a difference on almost every pass
// (upstream-reference.md §9.3 item 18), while comparing hashes makes an unchanged flow cost zero
// API writes.
import { GROUP, stableStringify, workerConfigHash } from '@dataflow/api';
import type { KubeObject } from '../kube/objects.js';

/** Annotation on every child object: the hash of the object as the controller last applied it. */
export const APPLIED_HASH_ANNOTATION = `${GROUP}/applied-hash`;

/** 16 hex digits identifying a JSON value; key order does not matter. */
export function contentHash(value: unknown): string {
  return workerConfigHash(stableStringify(value));
}

/**
 * The worker config without what the worker does not act on: the generation, spec.replicas and
 * spec.suspend. `kubectl scale` and suspend/resume change those, and must add or remove pods
 * without restarting the running ones.
 */
function rolloutRelevantConfig(configText: string): unknown {
  const config = JSON.parse(configText) as Record<string, unknown>;
  const flow = { ...(config['flow'] as Record<string, unknown> | undefined) };
  const spec = { ...(config['spec'] as Record<string, unknown> | undefined) };
  delete flow['generation'];
  delete spec['replicas'];
  delete spec['suspend'];
  return { ...config, flow, spec };
}

/**
 * The pod-template hash: the worker config and the resourceVersion of each referenced Secret, so a
 * spec edit or a Secret rotation changes the pod template and rolls the pods (scaling does not).
 */
export function podConfigHash(configText: string, secretVersions: Readonly<Record<string, string>>): string {
  return contentHash({ config: rolloutRelevantConfig(configText), secrets: secretVersions });
}

/** A copy of `obj` carrying APPLIED_HASH_ANNOTATION = hash of everything else in it. */
export function withAppliedHash<T extends KubeObject>(obj: T): T {
  const copy = structuredClone(obj);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[APPLIED_HASH_ANNOTATION];
  copy.metadata.annotations = annotations;
  const hash = contentHash(copy);
  copy.metadata.annotations = { ...annotations, [APPLIED_HASH_ANNOTATION]: hash };
  return copy;
}

export function appliedHashOf(obj: KubeObject | undefined): string | undefined {
  return obj?.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
}
