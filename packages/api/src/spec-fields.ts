// The top-level DataFlow spec fields other than source/transformations/sink/errors, their limits and
// defaults (upstream-reference.md §1.2, Appendix A). Shared by the validator schema, the CRD and
// applyDefaults, so a default is written down exactly once.
import { arr, bool, int, kubeObject, map, obj, str } from './json-schema.js';
import type { JsonSchema } from './json-schema.js';

export const DEFAULT_REPLICAS = 1;
export const MAX_REPLICAS = 100;
export const DEFAULT_CHANNEL_BUFFER_SIZE = 100;
export const MAX_CHANNEL_BUFFER_SIZE = 100_000;
export const DEFAULT_CHECKPOINT_SAVE_INTERVAL = '30s';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const DEFAULT_LOG_LEVEL = 'info';
/** Longest transformation chain and router fan-out; they bound the cost of the CRD's CEL rules. */
export const MAX_TRANSFORMATIONS = 64;
export const MAX_ROUTES = 32;

/** Worker container resources when spec.resources is absent (upstream defaults). */
export const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
} as const;

/** Go-style duration: one or more number+unit pairs, e.g. 30s, 1m30s, 500ms, 1.5h. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** Schemas of the plain top-level spec fields, in the order they appear in the CRD. */
export function topLevelFieldSchemas(): Record<string, JsonSchema> {
  return {
    replicas: int(
      'Number of worker pods. Above 1 only for a kafka source (the pods share the topic through one consumer group); ' +
        'polling sources always run one worker. 0 stops the flow like suspend. Also set by `kubectl scale`.',
      { default: DEFAULT_REPLICAS, minimum: 0, maximum: MAX_REPLICAS, format: 'int32' },
    ),
    suspend: bool('Stop the flow without deleting it: the worker is scaled to zero and the phase becomes Suspended. Offsets and checkpoints are kept.', {
      default: false,
    }),
    resources: kubeObject(
      'Compute resources of the worker container (core/v1 ResourceRequirements: requests, limits). ' +
        'Absent: requests cpu 100m, memory 128Mi; limits cpu 500m, memory 512Mi. ' +
        "A memory limit also caps the worker's V8 heap at half of it (NODE_OPTIONS), so the worker collects garbage instead of being OOM-killed.",
    ),
    nodeSelector: map('Node labels the worker pods must match (core/v1 PodSpec nodeSelector).', str('Required value of the node label.')),
    affinity: kubeObject('Scheduling constraints of the worker pods (core/v1 Affinity: nodeAffinity, podAffinity, podAntiAffinity).'),
    tolerations: arr(
      'Taints the worker pods tolerate (core/v1 Toleration list).',
      kubeObject('One toleration (core/v1 Toleration: key, operator, value, effect, tolerationSeconds).'),
    ),
    imagePullSecrets: arr(
      "Secrets, in the flow's namespace, used to pull the worker image.",
      obj('Reference to an image pull Secret.', { name: str('Name of the Secret.', { minLength: 1, maxLength: 253 }) }, ['name']),
    ),
    workerImage: str('Full worker image (repository:tag or @digest) for this flow; overrides the operator default and workerVersion.', {
      minLength: 1,
    }),
    workerVersion: str("Tag of the operator's default worker image to use for this flow; ignored when workerImage is set.", {
      minLength: 1,
      maxLength: 128,
    }),
    channelBufferSize: int(
      'Capacity, in messages, of the in-process queues between source, transformations and sink. Larger values smooth bursts and use more memory.',
      { default: DEFAULT_CHANNEL_BUFFER_SIZE, minimum: 1, maximum: MAX_CHANNEL_BUFFER_SIZE, format: 'int32' },
    ),
    checkpointPersistence: bool(
      `Persist the read position of polling sources (postgresql, clickhouse, trino) in the ConfigMap df-<name>-checkpoint, so a restart resumes where it stopped. false keeps it in memory only.`,
      { default: true },
    ),
    checkpointSaveInterval: str(
      `Shortest time between two checkpoint writes, as a duration such as 30s, 1m or 500ms. Absent: ${DEFAULT_CHECKPOINT_SAVE_INTERVAL}.`,
      { pattern: DURATION_PATTERN, maxLength: 32 },
    ),
    checkpointReset: bool(
      'The worker discards the stored checkpoint of a polling source and reads from the beginning, once per spec generation ' +
        '(a restarted worker of the same generation keeps its progress). Set it back to false afterwards: a later edit that leaves it true resets again.',
    ),
    terminationGracePeriodSeconds: int(
      'Seconds a stopping worker pod gets to finish in-flight batches and commit positions before it is killed.',
      { minimum: 0, maximum: 86_400, format: 'int64' },
    ),
    logLevel: str(`Log level of the worker. Absent: ${DEFAULT_LOG_LEVEL}.`, { enum: LOG_LEVELS }),
  };
}
