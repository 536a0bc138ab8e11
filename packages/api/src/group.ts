// Identity of the DataFlow API and the well-known keys the controller and worker agree on.

export const GROUP = 'dataflow.dataflow.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;
export const KIND = 'DataFlow';
export const LIST_KIND = 'DataFlowList';
export const PLURAL = 'dataflows';
export const SINGULAR = 'dataflow';
export const SHORT_NAMES = ['df'] as const;
export const CRD_NAME = `${PLURAL}.${GROUP}`;

export const FINALIZER = `${GROUP}/cleanup`;
export const FIELD_MANAGER = 'dataflow-controller';
export const EVENT_SOURCE = 'dataflow-controller';
export const LEADER_ELECTION_ID = 'dataflow-operator.dataflow.io';

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  flow: `${GROUP}/name`,
} as const;

export const LABEL_VALUES = {
  workerName: 'dataflow-worker',
  managedBy: 'dataflow-operator',
} as const;

export const ANNOTATIONS = {
  /** Hash of the worker config and referenced Secret versions; any change rolls the pods. */
  configHash: `${GROUP}/config-hash`,
} as const;

/** Key of the worker config inside the per-flow ConfigMap. */
export const WORKER_CONFIG_KEY = 'flow.json';
/** Where the worker config is mounted in the worker pod. */
export const WORKER_CONFIG_MOUNT = '/etc/dataflow';
/** Port of the worker's /metrics, /livez, /readyz, /healthz. */
export const WORKER_HTTP_PORT = 9090;
/** Name of the worker container in the pod template. */
export const WORKER_CONTAINER = 'worker';
