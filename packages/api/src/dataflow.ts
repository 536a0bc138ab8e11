// The DataFlow resource: spec and status types. The JSON schemas that match them are assembled in
// schema.ts from the per-connector and per-transform files.
import type { API_VERSION } from './group.js';
import type { SinkConfigs, SourceConfigs } from './connectors/index.js';
import type { TransformConfigs } from './transforms.js';

/** Plain JSON, for Kubernetes-native sub-objects (resources, affinity …) validated by the API server. */
export type KubeJson = { [key: string]: unknown };

export type SourceType = keyof SourceConfigs;
export type SinkType = keyof SinkConfigs;
export type TransformType = keyof TransformConfigs;

/** `{ type, config }` — the canonical shape of source, sink, errors, route sinks and transforms. */
export type SourceSpec = { [K in SourceType]: { type: K; config: SourceConfigs[K] } }[SourceType];
export type SinkSpec = { [K in SinkType]: { type: K; config: SinkConfigs[K] } }[SinkType];
export type TransformSpec = { [K in TransformType]: { type: K; config: TransformConfigs[K] } }[TransformType];

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  [key: string]: unknown;
}

export interface DataFlowSpec {
  source: SourceSpec;
  transformations?: TransformSpec[];
  sink: SinkSpec;
  errors?: SinkSpec;
  replicas?: number;
  suspend?: boolean;
  resources?: KubeJson;
  nodeSelector?: Record<string, string>;
  affinity?: KubeJson;
  tolerations?: KubeJson[];
  imagePullSecrets?: { name: string }[];
  workerImage?: string;
  workerVersion?: string;
  channelBufferSize?: number;
  checkpointPersistence?: boolean;
  checkpointSaveInterval?: string;
  checkpointReset?: boolean;
  terminationGracePeriodSeconds?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export const PHASES = ['Pending', 'Running', 'Degraded', 'Error', 'Suspended'] as const;
export type Phase = (typeof PHASES)[number];

export const CONDITION_TYPES = ['Ready', 'SpecValid', 'WorkerAvailable', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Counts one worker pod has reported (cumulative since the pod was created). */
export interface WorkerCounts {
  processed: number;
  errors: number;
  filtered: number;
  deadLettered: number;
  /** RFC 3339 time of the pod's last commit; absent until it committed something. */
  lastProcessedTime?: string;
}

/** What one worker pod writes into `status.workers[<pod name>]` (a merge patch of its own entry). */
export interface WorkerReport extends WorkerCounts {
  /** RFC 3339 time of the pod's last report; a stale heartbeat marks the flow Degraded. */
  heartbeat: string;
  /** RFC 3339 time the worker process started. */
  startedAt?: string;
  /**
   * Set while the pod cannot make progress (e.g. a sink keeps refusing writes, or a record without an
   * error sink stopped the flow, naming its position); the controller marks the flow Degraded with it.
   */
  error?: string;
}

export interface DataFlowStatus {
  phase?: Phase;
  message?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  /** Counts reported by the worker pods: totals for the flow, monotonic across restarts and replicas. */
  processedCount?: number;
  errorCount?: number;
  filteredCount?: number;
  deadLetteredCount?: number;
  lastProcessedTime?: string;
  /** Per-pod reports, written by the worker pods themselves; the controller sums them into the counts above. */
  workers?: Record<string, WorkerReport>;
  /** Counts of worker pods that are gone, folded in by the controller so the totals never go down. */
  retired?: WorkerCounts;
  /** Scale subresource: observed worker replicas and the pod label selector. */
  replicas?: number;
  selector?: string;
  workerConfigHash?: string;
}

export interface DataFlow {
  apiVersion: typeof API_VERSION;
  kind: 'DataFlow';
  metadata: ObjectMeta;
  spec: DataFlowSpec;
  status?: DataFlowStatus;
}
