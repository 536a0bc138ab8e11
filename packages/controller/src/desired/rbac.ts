// The worker's identity: ServiceAccount, Role and RoleBinding `df-<name>-worker`. The Role grants
// exactly what one worker needs, each rule pinned to its own objects by resourceNames: read its
// DataFlow, patch its status (the counts), and read/write its checkpoint ConfigMap. `create` is
// not granted: RBAC cannot restrict create by name, and the controller creates the checkpoint
// ConfigMap itself.
import { GROUP, PLURAL, childNames } from '@dataflow/api';
import type { KubeObject } from '../kube/objects.js';
import { childMetadata } from './common.js';
import type { FlowRef } from './common.js';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface ServiceAccountObject extends KubeObject {
  apiVersion: 'v1';
  kind: 'ServiceAccount';
  automountServiceAccountToken?: boolean;
}

export interface RoleObject extends KubeObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  rules: PolicyRule[];
}

export interface RoleBindingObject extends KubeObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding';
  roleRef: { apiGroup: string; kind: 'Role'; name: string };
  subjects: Array<{ kind: 'ServiceAccount'; name: string; namespace: string }>;
}

export function buildWorkerServiceAccount(flow: FlowRef): ServiceAccountObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: childMetadata(flow, childNames.serviceAccount(flow.name)) };
}

export function workerRoleRules(flowName: string, withCheckpoint: boolean): PolicyRule[] {
  const rules: PolicyRule[] = [
    { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [flowName], verbs: ['get'] },
    { apiGroups: [GROUP], resources: [`${PLURAL}/status`], resourceNames: [flowName], verbs: ['get', 'patch'] },
  ];
  if (withCheckpoint) {
    rules.push({ apiGroups: [''], resources: ['configmaps'], resourceNames: [childNames.checkpointConfigMap(flowName)], verbs: ['get', 'patch'] });
  }
  return rules;
}

export function buildWorkerRole(flow: FlowRef, withCheckpoint: boolean): RoleObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: childMetadata(flow, childNames.role(flow.name)),
    rules: workerRoleRules(flow.name, withCheckpoint),
  };
}

export function buildWorkerRoleBinding(flow: FlowRef): RoleBindingObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMetadata(flow, childNames.roleBinding(flow.name)),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: childNames.role(flow.name) },
    subjects: [{ kind: 'ServiceAccount', name: childNames.serviceAccount(flow.name), namespace: flow.namespace }],
  };
}
