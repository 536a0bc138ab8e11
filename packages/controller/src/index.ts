// Public surface of @dataflow/controller: the pure builders (the CLI's `render` and the manifest
// generator use them), the RBAC table, the status derivation, and the pieces main.ts wires together.
export { desiredChildren } from './desired/objects.js';
export type { DesiredChildren } from './desired/objects.js';
export {
  DEFAULT_TERMINATION_GRACE_SECONDS,
  SECRETS_DIR,
  WORKER_UID,
  buildWorkerDeployment,
  desiredReplicas,
  imageRepository,
  referencedSecretKeys,
  workerImageFor,
} from './desired/deployment.js';
export type { DeploymentObject, WorkerDeploymentInput } from './desired/deployment.js';
export { buildCheckpointConfigMap, buildWorkerConfigMap, usesCheckpoint } from './desired/config-map.js';
export type { ConfigMapObject } from './desired/config-map.js';
export { buildWorkerRole, buildWorkerRoleBinding, buildWorkerServiceAccount, workerRoleRules } from './desired/rbac.js';
export type { PolicyRule, RoleBindingObject, RoleObject, ServiceAccountObject } from './desired/rbac.js';
export { APPLIED_HASH_ANNOTATION, appliedHashOf, contentHash, podConfigHash, withAppliedHash } from './desired/hash.js';
export { childMetadata, ownerReferenceTo } from './desired/common.js';
export type { FlowRef } from './desired/common.js';
export { OPERATOR_PERMISSIONS, OPERATOR_ROLE_NAME, operatorClusterRole, operatorLeaseRole } from './rbac.js';
export type { ClusterRoleObject, NamespacedRoleObject, Permission } from './rbac.js';
export { WORKER_FAILURE_REASONS, deriveStatus } from './status.js';
export type { Blocker, DerivedStatus, StatusInput } from './status.js';
export { foldWorkerCounts } from './worker-counts.js';
export type { FlowTotals, FoldInput, FoldResult } from './worker-counts.js';
export { DataFlowReconciler, describeIssues, statusPatch } from './reconcile/dataflow.js';
export type { DataFlowObject, DataFlowReconcilerOptions } from './reconcile/dataflow.js';
export { EVENT_REASONS, EventRecorder } from './events.js';
export type { EventObject, EventReason, EventSubject } from './events.js';
export { ControllerMetrics } from './metrics.js';
export { healthRoutes, metricsRoutes, startHttpServer } from './health.js';
export { ApiKubeClient, collectionPath, listSecretMetadata, metadataOnlyKubeConfig, toWire } from './kube/client.js';
export type { KubeClient } from './kube/client.js';
export { CachedKubeClient } from './kube/cached-client.js';
export { KubeApiError, errorSummary, isKubeError, toKubeError } from './kube/errors.js';
export type { KubeErrorKind } from './kube/errors.js';
export { describeRef, labelSelectorOf, matchesLabelSelector, objectKey, parseObjectKey } from './kube/objects.js';
export type { KubeObject, ListQuery, ObjectKey, ObjectRef, ObservedDeployment, ObservedPod, OwnerReference, WireObjectMeta } from './kube/objects.js';
export { WorkQueue } from './manager/workqueue.js';
export { ResilientInformer, createListWatch } from './manager/informer.js';
export { LeaderElector, microTime } from './manager/leader.js';
export { Manager } from './manager/manager.js';
export { ReconcileError, TerminalError } from './manager/reconciler.js';
export type { ReconcileResult, Reconciler } from './manager/reconciler.js';
export { runControllerLoop } from './manager/controller-loop.js';
export { systemClock } from './manager/clock.js';
export type { Clock, Timer } from './manager/clock.js';
export { SecretIndex, ownerFlowKey, referencedSecretNames } from './watches.js';
export { parseArgs } from './args.js';
export type { ControllerArgs } from './args.js';
