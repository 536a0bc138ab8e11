// The operator's permissions, declared once next to the code that needs them (kubebuilder's rbac
// markers, done as a table). deploy/rbac/*.yaml and the chart's ClusterRole are generated from
// operatorClusterRole() / operatorLeaseRole(); nothing else lists the operator's verbs.
import { GROUP, PLURAL } from '@dataflow/api';
import type { PolicyRule } from './desired/rbac.js';

export interface Permission {
  apiGroup: string;
  resources: string[];
  verbs: string[];
  /** `cluster`: every namespace the operator watches; `leader-election`: only its own namespace. */
  scope: 'cluster' | 'leader-election';
  /** Why the operator needs it (kept in the generated YAML as documentation). */
  why: string;
}

const CHILD_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export const OPERATOR_PERMISSIONS: readonly Permission[] = [
  { apiGroup: GROUP, resources: [PLURAL], verbs: ['get', 'list', 'watch'], scope: 'cluster', why: 'watch DataFlows; workers get their own flow' },
  { apiGroup: GROUP, resources: [`${PLURAL}/status`], verbs: ['get', 'patch'], scope: 'cluster', why: 'write phase, conditions and counts; workers get/patch their own status' },
  {
    apiGroup: GROUP,
    resources: [`${PLURAL}/finalizers`],
    verbs: ['update'],
    scope: 'cluster',
    why: 'set blockOwnerDeletion owner references on children (OwnerReferencesPermissionEnforcement)',
  },
  { apiGroup: 'apps', resources: ['deployments'], verbs: CHILD_VERBS, scope: 'cluster', why: 'the worker Deployment df-<name>' },
  { apiGroup: '', resources: ['configmaps'], verbs: CHILD_VERBS, scope: 'cluster', why: 'worker config df-<name>-config and checkpoint df-<name>-checkpoint' },
  { apiGroup: '', resources: ['serviceaccounts'], verbs: CHILD_VERBS, scope: 'cluster', why: 'the worker identity df-<name>-worker' },
  {
    apiGroup: 'rbac.authorization.k8s.io',
    resources: ['roles', 'rolebindings'],
    verbs: CHILD_VERBS,
    scope: 'cluster',
    why: 'the worker Role/RoleBinding df-<name>-worker (it grants a subset of these rules)',
  },
  { apiGroup: '', resources: ['pods'], verbs: ['get', 'list', 'watch'], scope: 'cluster', why: 'worker pod container states (crash loops) for the flow status' },
  { apiGroup: '', resources: ['secrets'], verbs: ['get', 'list', 'watch'], scope: 'cluster', why: 'resourceVersion (metadata only) of referenced Secrets, to roll pods on rotation' },
  { apiGroup: '', resources: ['events'], verbs: ['create', 'patch'], scope: 'cluster', why: 'Events on DataFlows' },
  { apiGroup: 'coordination.k8s.io', resources: ['leases'], verbs: ['get', 'create', 'update'], scope: 'leader-election', why: 'leader election Lease dataflow-operator.dataflow.io' },
];

export const OPERATOR_ROLE_NAME = 'dataflow-operator';

function rulesFor(scope: Permission['scope']): PolicyRule[] {
  return OPERATOR_PERMISSIONS.filter((p) => p.scope === scope).map((p) => ({ apiGroups: [p.apiGroup], resources: [...p.resources], verbs: [...p.verbs] }));
}

export interface ClusterRoleObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: { name: string; labels: Record<string, string> };
  rules: PolicyRule[];
}

export interface NamespacedRoleObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  rules: PolicyRule[];
}

const LABELS = { 'app.kubernetes.io/name': 'dataflow-operator', 'app.kubernetes.io/component': 'controller' };

/** Everything the operator does across namespaces. */
export function operatorClusterRole(name = OPERATOR_ROLE_NAME): ClusterRoleObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { ...LABELS } }, rules: rulesFor('cluster') };
}

/** Leader election, only in the operator's own namespace. */
export function operatorLeaseRole(namespace: string, name = `${OPERATOR_ROLE_NAME}-leader-election`): NamespacedRoleObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace, labels: { ...LABELS } },
    rules: rulesFor('leader-election'),
  };
}
