// What a worker pod uses instead of the local file stores: its status entry in the DataFlow (with
// the baseline a restarted container continues from) and the checkpoint ConfigMap. Secrets are not
// here: they reach the pod as mounted files or env only, never through the API.
import { DEFAULT_CHECKPOINT_SAVE_INTERVAL } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import { MemoryCheckpointStore } from '../local/file-checkpoint-store.js';
import type { CheckpointStore, FlowIdentity, Logger } from '../plugin.js';
import type { FlowCounts } from '../telemetry/counts.js';
import type { ApiRetryOptions } from './api-retry.js';
import { ConfigMapCheckpointStore } from './checkpoint-store.js';
import { parseDurationMs } from './duration.js';
import type { KubeApi } from './in-cluster.js';
import { KubernetesStatusReporter } from './status-reporter.js';

/** A checkpoint store that may hold writes back until it is closed. */
export interface ClosableCheckpointStore extends CheckpointStore {
  close(): Promise<void>;
}

export interface ClusterServices {
  readonly statusReporter: KubernetesStatusReporter;
  /** What this pod reported before its container restarted; pass to prepareFlow as `baseline`. */
  readonly baseline: FlowCounts | undefined;
  readonly checkpoints: ClosableCheckpointStore;
}

export interface ClusterServicesOptions {
  readonly api: KubeApi;
  /** generation: the spec generation the worker config was rendered from (checkpointReset is done once per generation). */
  readonly flow: FlowIdentity & { readonly generation: number };
  /** Validated, defaults applied. */
  readonly spec: DataFlowSpec;
  readonly podName: string;
  readonly startedAt: Date;
  readonly log: Logger;
  /** Retries of each API call (tests: no waiting); the start-up baseline read gets 8 attempts (~30 s). */
  readonly retry?: ApiRetryOptions;
}

/** Kafka keeps its offsets in the broker; the controller creates no checkpoint ConfigMap for it. */
function usesCheckpointConfigMap(spec: DataFlowSpec): boolean {
  return spec.source.type !== 'kafka' && spec.checkpointPersistence !== false;
}

class ClosableMemoryStore extends MemoryCheckpointStore implements ClosableCheckpointStore {
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Reads this pod's baseline and prepares the checkpoint store (clearing it for
 * `spec.checkpointReset`). Throws when the baseline cannot be read: starting from zero would make
 * the pod's reported counts go down.
 */
export async function startClusterServices(options: ClusterServicesOptions): Promise<ClusterServices> {
  const { api, flow, spec, log } = options;
  const retry = options.retry ?? {};
  const statusReporter = new KubernetesStatusReporter({ api, flow, podName: options.podName, startedAt: options.startedAt, log, retry });
  const baseline = await statusReporter.loadBaseline({ attempts: 8, ...retry });
  if (baseline !== undefined) log.info({ baseline }, 'continuing the counts this pod reported before its container restarted');

  if (!usesCheckpointConfigMap(spec)) return { statusReporter, baseline, checkpoints: new ClosableMemoryStore() };
  const saveIntervalMs = parseDurationMs(spec.checkpointSaveInterval ?? DEFAULT_CHECKPOINT_SAVE_INTERVAL, 'spec.checkpointSaveInterval');
  const checkpoints = new ConfigMapCheckpointStore({ api, flow, saveIntervalMs, log, retry });
  if (spec.checkpointReset === true) {
    if (await checkpoints.resetOnce(flow.generation)) log.info({ generation: flow.generation }, 'checkpoint cleared (spec.checkpointReset)');
    else log.info({ generation: flow.generation }, 'checkpoint already cleared for this generation (spec.checkpointReset); continuing from it');
  }
  return { statusReporter, baseline, checkpoints };
}
