// ConfigMaps of a flow: `df-<name>-config` with the worker config under `flow.json` (never a secret
// value: SecretRefs stay references, decisions.md §5), and the empty checkpoint ConfigMap that the
// worker of a polling source fills (created here so the worker's Role needs no `create`).
import { WORKER_CONFIG_KEY, childNames } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import type { KubeObject } from '../kube/objects.js';
import { childMetadata } from './common.js';
import type { FlowRef } from './common.js';

export interface ConfigMapObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  data?: Record<string, string>;
}

export function buildWorkerConfigMap(flow: FlowRef, configText: string): ConfigMapObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(flow, childNames.configMap(flow.name)),
    data: { [WORKER_CONFIG_KEY]: configText },
  };
}

/** Polling sources (everything but kafka, whose offsets live in its consumer group) keep a checkpoint. */
export function usesCheckpoint(spec: DataFlowSpec): boolean {
  return spec.source.type !== 'kafka' && spec.checkpointPersistence !== false;
}

/**
 * The checkpoint ConfigMap without data: the worker owns `data` (its own field manager); the
 * controller only owns the metadata, so re-applying it never clobbers a checkpoint.
 */
export function buildCheckpointConfigMap(flow: FlowRef): ConfigMapObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: childMetadata(flow, childNames.checkpointConfigMap(flow.name)) };
}
