import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATIONS, findCondition, workerLabels } from '@dataflow/api';
import type { DataFlowSpec, DataFlowStatus, WorkerReport } from '@dataflow/api';
import { pino } from 'pino';
import type { DeploymentObject } from '../desired/deployment.js';
import { EventRecorder } from '../events.js';
import type { EventObject } from '../events.js';
import { isKubeError } from '../kube/errors.js';
import type { KubeObject, ObjectRef, ObservedDeployment, ObservedPod } from '../kube/objects.js';
import { ReconcileError } from '../manager/reconciler.js';
import { ControllerMetrics } from '../metrics.js';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeKubeClient } from '../testing/fake-client.js';
import { NAMESPACE, flowObject, kafkaToPostgresSpec, postgresToStdoutSpec } from '../testing/fixtures.js';
import { DataFlowReconciler } from './dataflow.js';
import type { DataFlowObject } from './dataflow.js';

const log = pino({ level: 'silent' });
const FLOW: ObjectRef = { apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', namespace: NAMESPACE, name: 'orders' };
const DEPLOYMENT: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE, name: 'df-orders' };
const KEY = `${NAMESPACE}/orders` as const;

function setup(spec: DataFlowSpec, options: { secrets?: boolean } = {}) {
  const clock = new FakeClock(Date.parse('2025-01-01T12:00:00Z'));
  const client = new FakeKubeClient({ now: () => clock.date() });
  const metrics = new ControllerMetrics();
  const events = new EventRecorder({ client, log, instance: 'test', now: () => clock.date() });
  const reconciler = new DataFlowReconciler({ client, events, metrics, log, defaultWorkerImage: 'ghcr.io/dataflow-operator/dataflow-worker:0.1.0', now: () => clock.date() });
  if (options.secrets !== false) {
    for (const name of ['kafka-creds', 'pg-creds']) client.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE } });
  }
  client.seed(flowObject('orders', spec));
  return {
    client,
    clock,
    metrics,
    reconcile: () => reconciler.reconcile(KEY),
    flow: () => client.peek<DataFlowObject>(FLOW),
    status: (): DataFlowStatus => client.peek<DataFlowObject>(FLOW)?.status ?? {},
    deployment: () => client.peek<DeploymentObject & ObservedDeployment>(DEPLOYMENT),
    events: () => client.all().filter((o): o is EventObject => o.kind === 'Event'),
    /** Plays the Deployment controller and the kubelet: the rollout completes with ready pods. */
    rollOut(podNames: string[] = ['df-orders-abc']): void {
      const deployment = client.peek<ObservedDeployment>(DEPLOYMENT);
      assert.ok(deployment, 'the Deployment exists');
      const replicas = deployment.spec?.replicas ?? 0;
      client.mutate<ObservedDeployment>(DEPLOYMENT, (d) => {
        d.status = {
          observedGeneration: d.metadata.generation ?? 1,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          conditions: [{ type: 'Available', status: 'True', lastTransitionTime: clock.date().toISOString() }],
        };
      });
      for (const pod of client.all().filter((o) => o.kind === 'Pod')) client.remove({ apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE, name: pod.metadata.name });
      for (const name of podNames.slice(0, replicas)) {
        client.seed<ObservedPod>({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: NAMESPACE, labels: workerLabels('orders') },
          status: { phase: 'Running', containerStatuses: [{ name: 'worker', ready: true, restartCount: 0, state: { running: { startedAt: clock.date().toISOString() } } }] },
        });
      }
    },
    editSpec(change: (spec: DataFlowSpec) => void): void {
      client.mutate<DataFlowObject>(FLOW, (flow) => change(flow.spec));
    },
  };
}

function configHashOf(deployment: DeploymentObject | undefined): string | undefined {
  return deployment?.spec.template.metadata?.annotations?.[ANNOTATIONS.configHash];
}

function reasons(events: EventObject[]): string[] {
  return events.map((e) => e.reason).sort();
}

void describe('DataFlowReconciler', () => {
  void it('creates the children, reports Pending, then Running once the worker is available', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    const kinds = t.client.all().filter((o) => o.metadata.ownerReferences?.[0]?.name === 'orders').map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, ['ConfigMap/df-orders-config', 'Deployment/df-orders', 'Role/df-orders-worker', 'RoleBinding/df-orders-worker', 'ServiceAccount/df-orders-worker']);
    assert.equal(t.status().phase, 'Pending');
    assert.equal(t.status().observedGeneration, 1);
    assert.equal(t.status().selector, 'app.kubernetes.io/name=dataflow-worker,dataflow.dataflow.io/name=orders');
    assert.deepEqual(reasons(t.events()), ['ConfigMapCreated', 'DeploymentCreated']);

    t.rollOut();
    await t.reconcile();
    const status = t.status();
    assert.equal(status.phase, 'Running');
    assert.equal(findCondition(status.conditions, 'Ready')?.status, 'True');
    assert.equal(status.replicas, 1);
    assert.equal(status.workerConfigHash, configHashOf(t.deployment()));
  });

  void it('makes zero API writes when nothing changed', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    t.rollOut();
    await t.reconcile();
    const before = t.client.versions();
    const eventsBefore = t.events().length;
    await t.reconcile();
    await t.reconcile();
    assert.deepEqual(t.client.versions(), before);
    assert.equal(t.events().length, eventsBefore);
  });

  void it('rejects an invalid spec: SpecValid=False with the issues, one InvalidSpec event, no workload, no retry', async () => {
    const spec = kafkaToPostgresSpec();
    (spec.sink.config as Record<string, unknown>)['batchSize'] = -1;
    const t = setup(spec);
    const result = await t.reconcile();
    assert.deepEqual(result, {});
    assert.equal(t.deployment(), undefined);
    assert.equal(t.client.all().filter((o) => o.kind === 'ConfigMap').length, 0);
    const specValid = findCondition(t.status().conditions, 'SpecValid');
    assert.equal(specValid?.status, 'False');
    assert.match(specValid?.message ?? '', /spec\.sink\.config\.batchSize/);
    assert.equal(t.status().phase, 'Error');
    await t.reconcile();
    const warnings = t.events().filter((e) => e.type === 'Warning');
    assert.deepEqual(warnings.map((e) => e.reason), ['InvalidSpec'], 'recorded once, not per pass');
    assert.match(warnings[0]?.message ?? '', /batchSize/);
  });

  void it('leaves the running worker untouched when an edit makes the spec invalid', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    t.rollOut();
    await t.reconcile();
    const running = t.deployment()?.metadata.resourceVersion;
    t.editSpec((spec) => {
      (spec.sink.config as Record<string, unknown>)['table'] = 42;
    });
    await t.reconcile();
    assert.equal(t.deployment()?.metadata.resourceVersion, running);
    assert.equal(t.status().phase, 'Degraded');
    assert.equal(findCondition(t.status().conditions, 'SpecValid')?.status, 'False');
    assert.equal(t.status().observedGeneration, 2);
  });

  void it('rolls the pods when a referenced Secret rotates', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    t.rollOut();
    await t.reconcile();
    const before = configHashOf(t.deployment());
    t.client.mutate({ apiVersion: 'v1', kind: 'Secret', namespace: NAMESPACE, name: 'pg-creds' }, () => {});
    await t.reconcile();
    const after = configHashOf(t.deployment());
    assert.ok(before !== undefined && after !== undefined);
    assert.notEqual(after, before);
    assert.ok(t.events().some((e) => e.reason === 'DeploymentUpdated'));
    // The worker config itself did not change: no ConfigMap update.
    assert.ok(!t.events().some((e) => e.reason === 'ConfigMapUpdated'));
  });

  void it('rolls the pods and rewrites the config on a spec edit', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    const before = configHashOf(t.deployment());
    t.editSpec((spec) => {
      (spec.sink.config as Record<string, unknown>)['table'] = 'orders_v2';
    });
    await t.reconcile();
    assert.notEqual(configHashOf(t.deployment()), before);
    const config = t.client.peek<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NAMESPACE, name: 'df-orders-config' });
    assert.match(config?.data?.['flow.json'] ?? '', /orders_v2/);
    assert.deepEqual(reasons(t.events()), ['ConfigMapCreated', 'ConfigMapUpdated', 'DeploymentCreated', 'DeploymentUpdated']);
  });

  void it('reports a missing Secret, creates no workload, and asks to be retried with backoff', async () => {
    const t = setup(kafkaToPostgresSpec(), { secrets: false });
    await assert.rejects(t.reconcile(), (error: unknown) => error instanceof ReconcileError && error.stage === 'secrets');
    assert.equal(t.deployment(), undefined);
    assert.equal(t.status().phase, 'Error');
    assert.equal(findCondition(t.status().conditions, 'Ready')?.reason, 'SecretNotFound');
    assert.match(t.status().message ?? '', /kafka-creds, pg-creds not found/);
    await assert.rejects(t.reconcile());
    assert.deepEqual(t.events().map((e) => e.reason), ['SecretResolutionFailed'], 'recorded once');
    // The Secrets appear: the flow goes ahead.
    for (const name of ['kafka-creds', 'pg-creds']) t.client.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE } });
    await t.reconcile();
    assert.ok(t.deployment());
  });

  void it('scales to zero and reports Suspended when suspended', async () => {
    const t = setup(postgresToStdoutSpec());
    await t.reconcile();
    t.rollOut();
    await t.reconcile();
    assert.equal(t.status().phase, 'Running');
    t.editSpec((spec) => {
      spec.suspend = true;
    });
    await t.reconcile();
    assert.equal(t.deployment()?.spec.replicas, 0);
    assert.equal(t.deployment()?.spec.strategy?.type, 'Recreate');
    assert.equal(t.status().phase, 'Suspended');
    assert.equal(findCondition(t.status().conditions, 'WorkerAvailable')?.reason, 'Suspended');
  });

  void it('creates the checkpoint ConfigMap for a polling source', async () => {
    const t = setup(postgresToStdoutSpec());
    await t.reconcile();
    assert.ok(t.client.peek({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NAMESPACE, name: 'df-orders-checkpoint' }));
  });

  void it('sums the workers reports and folds a gone pod into retired in the same status write', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    t.rollOut(['df-orders-new']);
    const at = (secondsAgo: number): string => new Date(t.clock.now() - secondsAgo * 1000).toISOString();
    const workers: Record<string, WorkerReport> = {
      'df-orders-old': { processed: 100, errors: 2, filtered: 5, deadLettered: 1, heartbeat: at(300), lastProcessedTime: at(310) },
      'df-orders-new': { processed: 7, errors: 0, filtered: 1, deadLettered: 0, heartbeat: at(3), lastProcessedTime: at(4) },
    };
    const flow = t.flow();
    assert.ok(flow);
    await t.client.patchStatus(FLOW, { workers, retired: { processed: 1000, errors: 0, filtered: 0, deadLettered: 0 } }, flow.metadata.resourceVersion ?? '');
    await t.reconcile();
    const status = t.status();
    assert.deepEqual(Object.keys(status.workers ?? {}), ['df-orders-new']);
    assert.deepEqual(status.retired, { processed: 1100, errors: 2, filtered: 5, deadLettered: 1, lastProcessedTime: at(310) });
    assert.equal(status.processedCount, 1107);
    assert.equal(status.errorCount, 2);
    assert.equal(status.filteredCount, 6);
    assert.equal(status.deadLetteredCount, 1);
    assert.equal(status.lastProcessedTime, at(4));
    assert.equal(status.phase, 'Running');
  });

  void it('writes count-only changes at most once per interval', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    t.rollOut(['p1']);
    await t.reconcile();
    await t.clock.advance(5000);
    const report = (processed: number): Record<string, unknown> => ({ workers: { p1: { processed, errors: 0, filtered: 0, deadLettered: 0, heartbeat: t.clock.date().toISOString() } } });
    await t.client.patchStatus(FLOW, report(10), t.flow()?.metadata.resourceVersion ?? '');
    await t.reconcile();
    assert.equal(t.status().processedCount, 10);
    await t.clock.advance(1000);
    await t.client.patchStatus(FLOW, report(20), t.flow()?.metadata.resourceVersion ?? '');
    const result = await t.reconcile();
    assert.equal(t.status().processedCount, 10, 'deferred');
    assert.ok(result.requeueAfterMs !== undefined && result.requeueAfterMs <= 4000);
    await t.clock.advance(4000);
    await t.reconcile();
    assert.equal(t.status().processedCount, 20);
  });

  void it('retries a status write that lost a race, without losing anything', async () => {
    const t = setup(kafkaToPostgresSpec());
    t.client.failNext = { verb: 'patchStatus', error: Object.assign(new Error('conflict'), {}) };
    await assert.rejects(t.reconcile(), (error: unknown) => error instanceof ReconcileError && error.stage === 'status');
    await t.reconcile();
    assert.equal(t.status().phase, 'Pending');
  });

  void it('forgets a deleted flow: its metric series go away', async () => {
    const t = setup(kafkaToPostgresSpec());
    await t.reconcile();
    assert.match(await t.metrics.text(), /dataflow_status\{namespace="shop",name="orders",phase="Pending"\} 1/);
    t.client.remove(FLOW);
    assert.deepEqual(await t.reconcile(), {});
    assert.doesNotMatch(await t.metrics.text(), /name="orders"/);
  });

  void it('maps an apply failure to a condition, a Warning event and a retry', async () => {
    const t = setup(kafkaToPostgresSpec());
    t.client.failNext = { verb: 'apply', kind: 'Deployment', error: new Error('admission webhook denied the request') };
    await assert.rejects(t.reconcile(), (error: unknown) => error instanceof ReconcileError && error.stage === 'apply');
    assert.equal(findCondition(t.status().conditions, 'Ready')?.reason, 'ReconcileError');
    assert.ok(t.events().some((e) => e.reason === 'DeploymentFailed' && e.type === 'Warning'));
    await t.reconcile();
    assert.ok(t.deployment());
    assert.ok(!isKubeError(undefined, 'NotFound'));
  });

  void it('applies the ServiceAccount, Role, RoleBinding and ConfigMaps together, and no Deployment when one of them fails', async () => {
    const t = setup(kafkaToPostgresSpec());
    t.client.failNext = { verb: 'apply', kind: 'ServiceAccount', error: new Error('quota exceeded') };
    await assert.rejects(t.reconcile(), (error: unknown) => error instanceof ReconcileError && error.stage === 'apply');
    assert.equal(t.deployment(), undefined, 'a pod must never start without its ServiceAccount');
    const children = t.client.all().filter((o) => o.metadata.ownerReferences?.[0]?.name === 'orders').map((o) => o.kind).sort();
    assert.deepEqual(children, ['ConfigMap', 'Role', 'RoleBinding'], 'the independent children were applied in the same pass');
    assert.deepEqual(reasons(t.events()), ['ConfigMapCreated', 'WorkerRBACFailed']);
    await t.reconcile();
    assert.ok(t.deployment());
    assert.deepEqual(reasons(t.events()), ['ConfigMapCreated', 'DeploymentCreated', 'WorkerRBACFailed']);
  });
});

