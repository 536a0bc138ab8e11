import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCondition } from '@dataflow/api';
import type { Phase, WorkerReport } from '@dataflow/api';
import type { ContainerStatus, ObservedDeployment, ObservedPod } from './kube/objects.js';
import { deriveStatus } from './status.js';
import type { StatusInput } from './status.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const secondsAgo = (s: number): string => new Date(NOW.getTime() - s * 1000).toISOString();

function deployment(opts: { desired: number; available: number; updated?: number; replicas?: number; changedSecondsAgo?: number; deadlineExceeded?: boolean; generation?: number; observed?: number }): ObservedDeployment {
  const changed = secondsAgo(opts.changedSecondsAgo ?? 5);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'df-orders', namespace: 'shop', generation: opts.generation ?? 2, creationTimestamp: secondsAgo(3600) },
    spec: { replicas: opts.desired, template: { metadata: { annotations: { 'dataflow.dataflow.io/config-hash': 'abc' } } } },
    status: {
      observedGeneration: opts.observed ?? opts.generation ?? 2,
      replicas: opts.replicas ?? Math.max(opts.desired, opts.available),
      updatedReplicas: opts.updated ?? opts.desired,
      availableReplicas: opts.available,
      conditions: [
        {
          type: 'Progressing',
          status: opts.deadlineExceeded === true ? 'False' : 'True',
          reason: opts.deadlineExceeded === true ? 'ProgressDeadlineExceeded' : 'NewReplicaSetAvailable',
          lastUpdateTime: changed,
          lastTransitionTime: changed,
        },
        { type: 'Available', status: opts.available >= opts.desired ? 'True' : 'False', lastUpdateTime: changed, lastTransitionTime: changed },
      ],
    },
  };
}

function pod(name: string, container: Partial<ContainerStatus>, deleting = false): ObservedPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', ...(deleting ? { deletionTimestamp: secondsAgo(1) } : {}) },
    status: { phase: 'Running', containerStatuses: [{ name: 'worker', restartCount: 0, ...container }] },
  };
}

const running = { ready: true, state: { running: { startedAt: secondsAgo(600) } } };

function report(heartbeatSecondsAgo: number, extra: Partial<WorkerReport> = {}): WorkerReport {
  return { processed: 1, errors: 0, filtered: 0, deadLettered: 0, heartbeat: secondsAgo(heartbeatSecondsAgo), ...extra };
}

function derive(overrides: Partial<StatusInput>) {
  return deriveStatus({
    now: NOW,
    generation: 7,
    previousConditions: [],
    // While blocked, the reconcile knows no desired count (the running Deployment's is used).
    ...(overrides.blocker === undefined ? { desiredReplicas: 1 } : {}),
    pods: [],
    workers: {},
    heartbeatTimeoutMs: 60_000,
    progressTimeoutMs: 60_000,
    ...overrides,
  });
}

interface Row {
  name: string;
  input: Partial<StatusInput>;
  phase: Phase;
  reason?: string;
  message?: RegExp;
}

const rows: Row[] = [
  { name: 'no Deployment yet', input: {}, phase: 'Pending', reason: 'Pending' },
  { name: 'all pods available', input: { deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p1', running)] }, phase: 'Running', reason: 'WorkerAvailable' },
  {
    name: 'rollout in progress, within the progress timeout',
    input: { deployment: deployment({ desired: 1, available: 0, changedSecondsAgo: 20 }), pods: [pod('p1', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } })] },
    phase: 'Pending',
    reason: 'WorkerProgressing',
  },
  {
    name: 'short of pods for longer than the progress timeout',
    input: { deployment: deployment({ desired: 1, available: 0, changedSecondsAgo: 90 }), pods: [pod('p1', { ready: false, state: { waiting: { reason: 'ContainerCreating' } } })] },
    phase: 'Degraded',
    reason: 'WorkerUnavailable',
    message: /0\/1 worker pods available, no progress for 90s; pod p1 is waiting: ContainerCreating/,
  },
  {
    name: 'progress deadline exceeded',
    input: { deployment: deployment({ desired: 1, available: 0, deadlineExceeded: true }) },
    phase: 'Degraded',
    reason: 'WorkerUnavailable',
  },
  {
    name: 'crash loop, at once and with the exit message',
    input: {
      deployment: deployment({ desired: 1, available: 0, changedSecondsAgo: 5 }),
      pods: [pod('p1', { ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'password authentication failed for user "app"' } } })],
    },
    phase: 'Degraded',
    reason: 'WorkerCrashLooping',
    message: /pod p1: the worker keeps exiting \(3 restarts\); last exit: exit code 1, Error: password authentication failed/,
  },
  {
    name: 'repeated non-zero exits without a CrashLoopBackOff state',
    input: { deployment: deployment({ desired: 1, available: 0 }), pods: [pod('p1', { ready: false, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 2 } } })] },
    phase: 'Degraded',
    reason: 'WorkerCrashLooping',
  },
  {
    name: 'image cannot be pulled',
    input: { deployment: deployment({ desired: 1, available: 0 }), pods: [pod('p1', { ready: false, state: { waiting: { reason: 'ImagePullBackOff', message: 'not found' } } })] },
    phase: 'Degraded',
    reason: 'WorkerCannotStart',
  },
  {
    name: 'a worker reports an error',
    input: { deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p1', running)], workers: { p1: report(3, { error: 'sink rejects writes: relation "orders" does not exist' }) } },
    phase: 'Degraded',
    reason: 'WorkerErrors',
    message: /pod p1: sink rejects writes/,
  },
  {
    name: 'a running worker stopped reporting',
    input: { deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p1', running)], workers: { p1: report(75) } },
    phase: 'Degraded',
    reason: 'WorkerStalled',
    message: /no report from the worker for 75s/,
  },
  {
    name: 'a stale report of a gone pod is ignored',
    input: { deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p2', running)], workers: { p1: report(600, { error: 'old' }) } },
    phase: 'Running',
  },
  {
    name: 'a terminating crash-looping pod is ignored',
    input: { deployment: deployment({ desired: 1, available: 1, replicas: 1 }), pods: [pod('p2', running), pod('p1', { state: { waiting: { reason: 'CrashLoopBackOff' } } }, true)] },
    phase: 'Running',
  },
  { name: 'suspended', input: { desiredReplicas: 0, scaledToZeroBy: 'suspend', deployment: deployment({ desired: 0, available: 0 }) }, phase: 'Suspended', reason: 'Suspended' },
  { name: 'replicas 0', input: { desiredReplicas: 0, scaledToZeroBy: 'replicas' }, phase: 'Suspended', message: /spec.replicas is 0/ },
  {
    name: 'invalid spec with nothing running',
    input: { blocker: { reason: 'SpecInvalid', message: 'the spec is invalid: spec.sink: is required', specInvalid: true } },
    phase: 'Error',
    reason: 'SpecInvalid',
  },
  {
    name: 'invalid spec while the last valid worker runs',
    input: {
      blocker: { reason: 'SpecInvalid', message: 'the spec is invalid: x', specInvalid: true },
      deployment: deployment({ desired: 1, available: 1 }),
      pods: [pod('p1', running)],
    },
    phase: 'Degraded',
    reason: 'SpecInvalid',
    message: /keeps running its last applied configuration/,
  },
  {
    name: 'missing Secret with nothing running',
    input: { blocker: { reason: 'SecretNotFound', message: 'Secret pg-creds not found in namespace shop', specInvalid: false } },
    phase: 'Error',
    reason: 'SecretNotFound',
  },
  {
    name: 'a Deployment not yet observed at its new generation is not Running',
    input: { deployment: deployment({ desired: 1, available: 1, generation: 3, observed: 2 }), pods: [pod('p1', running)] },
    phase: 'Pending',
  },
  {
    name: 'scaled out kafka flow with one pod missing',
    input: { desiredReplicas: 3, deployment: deployment({ desired: 3, available: 2, changedSecondsAgo: 10 }) },
    phase: 'Pending',
  },
];

void describe('deriveStatus', () => {
  for (const row of rows) {
    void it(row.name, () => {
      const status = derive(row.input);
      assert.equal(status.phase, row.phase);
      const ready = findCondition(status.conditions, 'Ready');
      assert.equal(ready?.status, row.phase === 'Running' ? 'True' : 'False');
      if (row.reason !== undefined) assert.equal(ready?.reason, row.reason);
      if (row.message !== undefined) assert.match(status.message, row.message);
      if (row.phase === 'Degraded') assert.equal(findCondition(status.conditions, 'Degraded')?.status, 'True');
      for (const condition of status.conditions) assert.equal(condition.observedGeneration, 7);
    });
  }

  void it('sets SpecValid from the blocker kind only', () => {
    const invalid = derive({ blocker: { reason: 'SpecInvalid', message: 'bad', specInvalid: true } });
    assert.equal(findCondition(invalid.conditions, 'SpecValid')?.status, 'False');
    assert.equal(findCondition(invalid.conditions, 'SpecValid')?.message, 'bad');
    const missingSecret = derive({ blocker: { reason: 'SecretNotFound', message: 'gone', specInvalid: false } });
    assert.equal(findCondition(missingSecret.conditions, 'SpecValid')?.status, 'True');
  });

  void it('asks to look again when the next deadline falls due, so a stall is never missed', () => {
    const starting = derive({ deployment: deployment({ desired: 1, available: 0, changedSecondsAgo: 20 }) });
    assert.equal(starting.recheckAfterMs, 40_001);
    const healthy = derive({ deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p1', running)], workers: { p1: report(10) } });
    assert.equal(healthy.recheckAfterMs, 50_001);
    assert.equal(derive({ deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p1', running)] }).recheckAfterMs, undefined);
  });

  void it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = derive({ deployment: deployment({ desired: 1, available: 1 }), pods: [pod('p1', running)] });
    const later = deriveStatus({ ...{ now: new Date(NOW.getTime() + 60_000), generation: 7, desiredReplicas: 1, pods: [pod('p1', running)], workers: {}, heartbeatTimeoutMs: 60_000, progressTimeoutMs: 60_000 }, deployment: deployment({ desired: 1, available: 1 }), previousConditions: first.conditions });
    assert.deepEqual(later.conditions, first.conditions);
  });

  void it('reports observed replicas for the scale subresource', () => {
    assert.equal(derive({ desiredReplicas: 3, deployment: deployment({ desired: 3, available: 3 }) }).replicas, 3);
    assert.equal(derive({}).replicas, 0);
  });
});

void describe('deriveStatus after a change', () => {
  void it('does not judge a just-applied Deployment by a rollout that ended long ago', () => {
    const stale = deployment({ desired: 1, available: 1, generation: 3, observed: 2, changedSecondsAgo: 7200 });
    stale.metadata.managedFields = [{ manager: 'dataflow-controller', operation: 'Apply', time: secondsAgo(1) }];
    const status = derive({ deployment: stale, pods: [pod('p1', running)] });
    assert.equal(status.phase, 'Pending');
    assert.equal(status.recheckAfterMs, 59_001);
  });
});
