// The worker Deployment `df-<name>` (decisions.md §5): one container `worker` running the flow's
// config, every referenced Secret mounted read-only as files, restricted pod security, probes on the
// worker's :9090, and a pod-template annotation with the config hash so edits and Secret rotations
// roll the pods. Polling sources use the Recreate strategy (two overlapping pods would read the same
// rows twice); Kafka sources roll one pod at a time without surge.
import {
  ANNOTATIONS,
  WORKER_CONFIG_KEY,
  WORKER_CONFIG_MOUNT,
  WORKER_CONTAINER,
  WORKER_HTTP_PORT,
  childNames,
  secretRefsOf,
  workerLabels,
  workerSelector,
  workerNodeOptions,
} from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import type { V1Container, V1DeploymentSpec, V1PodSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { KubeObject } from '../kube/objects.js';
import { childMetadata } from './common.js';
import type { FlowRef } from './common.js';
import { podConfigHash } from './hash.js';

export interface DeploymentObject extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  spec: V1DeploymentSpec;
}

/** Where Secret volumes are mounted: the worker reads `<dir>/<secret name>/<key>`. */
export const SECRETS_DIR = '/var/run/dataflow/secrets';
/** User and group the worker runs as (matches the worker image's non-root user). */
export const WORKER_UID = 10001;
/** Grace period when the spec sets none: time to flush batches and commit positions. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 60;
/** Old ReplicaSets kept for `kubectl rollout undo`. */
const REVISION_HISTORY_LIMIT = 3;

export interface WorkerDeploymentInput {
  flow: FlowRef;
  /** The validated spec with defaults applied (what the worker config carries). */
  spec: DataFlowSpec;
  /** serializeWorkerConfig(config): the bytes in the ConfigMap. */
  configText: string;
  /** resourceVersion of every Secret the spec references, by Secret name. */
  secretVersions: Readonly<Record<string, string>>;
  /** The operator's default worker image, e.g. ghcr.io/dataflow-operator/dataflow-worker:0.1.0. */
  defaultImage: string;
}

/** Repository part of an image reference: tag and digest removed (a registry port is kept). */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}

/** spec.workerImage, else the default repository with spec.workerVersion, else the default image. */
export function workerImageFor(spec: DataFlowSpec, defaultImage: string): string {
  if (spec.workerImage !== undefined && spec.workerImage !== '') return spec.workerImage;
  if (spec.workerVersion !== undefined && spec.workerVersion !== '') return `${imageRepository(defaultImage)}:${spec.workerVersion}`;
  return defaultImage;
}

/** The keys of each referenced Secret, Secret names sorted so the volume list is stable. */
export function referencedSecretKeys(spec: DataFlowSpec): Array<{ name: string; keys: string[] }> {
  const byName = new Map<string, Set<string>>();
  for (const { ref } of secretRefsOf(spec)) {
    const keys = byName.get(ref.name) ?? new Set<string>();
    keys.add(ref.key);
    byName.set(ref.name, keys);
  }
  return [...byName.keys()].sort().map((name) => ({ name, keys: [...(byName.get(name) ?? [])].sort() }));
}

export function desiredReplicas(spec: DataFlowSpec): number {
  return spec.suspend === true ? 0 : (spec.replicas ?? 1);
}

const CONFIG_VOLUME = 'config';
const TMP_VOLUME = 'tmp';

function volumesFor(flow: FlowRef, secrets: ReadonlyArray<{ name: string; keys: string[] }>): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const volumes: V1Volume[] = [
    { name: CONFIG_VOLUME, configMap: { name: childNames.configMap(flow.name), items: [{ key: WORKER_CONFIG_KEY, path: WORKER_CONFIG_KEY }] } },
    { name: TMP_VOLUME, emptyDir: { sizeLimit: '64Mi' } },
  ];
  const mounts: V1VolumeMount[] = [
    { name: CONFIG_VOLUME, mountPath: WORKER_CONFIG_MOUNT, readOnly: true },
    { name: TMP_VOLUME, mountPath: '/tmp' },
  ];
  secrets.forEach((secret, index) => {
    // Only the referenced keys are projected; 0440 + fsGroup lets the non-root worker read them.
    const volume = `secret-${index}`;
    volumes.push({
      name: volume,
      secret: { secretName: secret.name, items: secret.keys.map((key) => ({ key, path: key })), defaultMode: 0o440 },
    });
    mounts.push({ name: volume, mountPath: `${SECRETS_DIR}/${secret.name}`, readOnly: true });
  });
  return { volumes, mounts };
}

function heapOptions(spec: DataFlowSpec): Array<{ name: string; value: string }> {
  const options = workerNodeOptions(spec.resources);
  return options === undefined ? [] : [{ name: 'NODE_OPTIONS', value: options }];
}

function workerContainer(input: WorkerDeploymentInput, mounts: V1VolumeMount[]): V1Container {
  const { spec, flow } = input;
  return {
    name: WORKER_CONTAINER,
    image: workerImageFor(spec, input.defaultImage),
    imagePullPolicy: 'IfNotPresent',
    args: ['--config', `${WORKER_CONFIG_MOUNT}/${WORKER_CONFIG_KEY}`, '--secrets-dir', SECRETS_DIR, '--state-dir', '/tmp/dataflow-state'],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'DATAFLOW_FLOW_NAME', value: flow.name },
      // V8's heap sized to the container's memory limit (@dataflow/api worker-heap.ts).
      ...heapOptions(spec),
    ],
    ports: [{ name: 'http', containerPort: WORKER_HTTP_PORT, protocol: 'TCP' }],
    livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
    resources: (spec.resources ?? {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // A crashing worker's last log lines become the termination message the status quotes.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: mounts,
  };
}

function podSpec(input: WorkerDeploymentInput): V1PodSpec {
  const { spec, flow } = input;
  const { volumes, mounts } = volumesFor(flow, referencedSecretKeys(spec));
  const pod: V1PodSpec = {
    serviceAccountName: childNames.serviceAccount(flow.name),
    // The worker's token patches its own status and checkpoint (its Role allows nothing else).
    automountServiceAccountToken: true,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      fsGroup: WORKER_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [workerContainer(input, mounts)],
    volumes,
  };
  if (spec.nodeSelector !== undefined) pod.nodeSelector = { ...spec.nodeSelector };
  if (spec.affinity !== undefined) pod.affinity = structuredClone(spec.affinity);
  if (spec.tolerations !== undefined) pod.tolerations = structuredClone(spec.tolerations);
  if (spec.imagePullSecrets !== undefined) pod.imagePullSecrets = spec.imagePullSecrets.map((s) => ({ name: s.name }));
  return pod;
}

/** The Deployment and the config hash its pod template carries. Pure: equal input, equal output. */
export function buildWorkerDeployment(input: WorkerDeploymentInput): { object: DeploymentObject; configHash: string } {
  const { spec, flow } = input;
  const configHash = podConfigHash(input.configText, input.secretVersions);
  const object: DeploymentObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(flow, childNames.deployment(flow.name)),
    spec: {
      replicas: desiredReplicas(spec),
      revisionHistoryLimit: REVISION_HISTORY_LIMIT,
      selector: { matchLabels: workerSelector(flow.name) },
      strategy:
        spec.source.type === 'kafka'
          ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }
          : { type: 'Recreate' },
      template: {
        metadata: { labels: workerLabels(flow.name), annotations: { [ANNOTATIONS.configHash]: configHash } },
        spec: podSpec(input),
      },
    },
  };
  return { object, configHash };
}
