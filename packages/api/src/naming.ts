// Deterministic names of every child object of a DataFlow (decisions.md §5). Deterministic names let
// the API server reject duplicates, so reconciles never create a second copy.
import { LABELS, LABEL_VALUES } from './group.js';

/** Kubernetes object names are at most 253 characters; labels values and some names at most 63. */
const MAX_NAME = 253;

function child(flowName: string, suffix: string): string {
  const name = suffix ? `df-${flowName}-${suffix}` : `df-${flowName}`;
  if (name.length > MAX_NAME) throw new RangeError(`child name "${name}" exceeds ${MAX_NAME} characters`);
  return name;
}

export const childNames = {
  deployment: (flow: string) => child(flow, ''),
  configMap: (flow: string) => child(flow, 'config'),
  checkpointConfigMap: (flow: string) => child(flow, 'checkpoint'),
  serviceAccount: (flow: string) => child(flow, 'worker'),
  role: (flow: string) => child(flow, 'worker'),
  roleBinding: (flow: string) => child(flow, 'worker'),
} as const;

/** Labels put on every worker pod and child object of one flow. */
export function workerLabels(flowName: string): Record<string, string> {
  return {
    [LABELS.name]: LABEL_VALUES.workerName,
    [LABELS.instance]: flowName,
    [LABELS.flow]: flowName,
    [LABELS.managedBy]: LABEL_VALUES.managedBy,
  };
}

/** The subset of labels used as the Deployment selector (immutable once created). */
export function workerSelector(flowName: string): Record<string, string> {
  return { [LABELS.name]: LABEL_VALUES.workerName, [LABELS.flow]: flowName };
}

/** Default Kafka consumer group: one per flow, never shared across flows (upstream bug §9.3 #22). */
export function defaultConsumerGroup(namespace: string, flowName: string): string {
  return `${namespace}.${flowName}`;
}
