// Every child object of a flow, in the order they are applied: the worker's identity and
// permissions first (a pod must never start without its ServiceAccount), then its config, then the
// Deployment. Each carries the hash it was built with (./hash.ts).
import type { DataFlowSpec } from '@dataflow/api';
import type { KubeObject } from '../kube/objects.js';
import { buildCheckpointConfigMap, buildWorkerConfigMap, usesCheckpoint } from './config-map.js';
import { buildWorkerDeployment } from './deployment.js';
import type { DeploymentObject, WorkerDeploymentInput } from './deployment.js';
import { withAppliedHash } from './hash.js';
import { buildWorkerRole, buildWorkerRoleBinding, buildWorkerServiceAccount } from './rbac.js';

export interface DesiredChildren {
  /** In apply order, each stamped with its applied-hash annotation. */
  objects: KubeObject[];
  deployment: DeploymentObject;
  /** The pod-template config hash (worker config + referenced Secret versions). */
  configHash: string;
}

export function desiredChildren(input: WorkerDeploymentInput): DesiredChildren {
  const spec: DataFlowSpec = input.spec;
  const checkpoint = usesCheckpoint(spec);
  const { object: deployment, configHash } = buildWorkerDeployment(input);
  const objects: KubeObject[] = [
    buildWorkerServiceAccount(input.flow),
    buildWorkerRole(input.flow, checkpoint),
    buildWorkerRoleBinding(input.flow),
    buildWorkerConfigMap(input.flow, input.configText),
  ];
  if (checkpoint) objects.push(buildCheckpointConfigMap(input.flow));
  objects.push(deployment);
  const stamped = objects.map((obj) => withAppliedHash(obj));
  return { objects: stamped, deployment: stamped[stamped.length - 1] as DeploymentObject, configHash };
}
