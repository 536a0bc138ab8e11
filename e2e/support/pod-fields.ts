// Downward API field paths (env fieldRef and downwardAPI volume items), resolved like the kubelet.
import type { V1Pod } from '@kubernetes/client-node';

/** A pod's configuration cannot be turned into a process yet (missing ConfigMap, bad field path,
 *  unsupported feature). Shown as `CreateContainerConfigError` and retried, as the kubelet does. */
export class PodConfigError extends Error {}

/** Addresses the agent gives every pod: all pods share the host's loopback network. */
export interface PodAddresses {
  podIP: string;
  hostIP: string;
  nodeName: string;
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['([^']*)'\]$/;

/** Every `key="value"` line of a map, sorted by key (the downward API volume format). */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? '')}`)
    .join('\n');
}

/**
 * The value of a downward API field path. `wholeMaps` allows `metadata.labels` / `metadata.annotations`,
 * which only downwardAPI volumes support. Throws PodConfigError for an unsupported path.
 */
export function podFieldValue(pod: V1Pod, fieldPath: string, addresses: PodAddresses, wholeMaps = false): string {
  const meta = pod.metadata ?? {};
  const subscript = SUBSCRIPT.exec(fieldPath);
  if (subscript !== null) {
    const map = subscript[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[subscript[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return addresses.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return addresses.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return addresses.hostIP;
    case 'metadata.labels':
    case 'metadata.annotations':
      if (wholeMaps) return formatMap(fieldPath === 'metadata.labels' ? meta.labels : meta.annotations);
      throw new PodConfigError(`fieldRef ${fieldPath} is only supported in downwardAPI volumes; use ${fieldPath}['<key>']`);
    default:
      throw new PodConfigError(`unsupported fieldRef.fieldPath "${fieldPath}"`);
  }
}
