import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DataFlowStatus } from '@dataflow/api';
import { CountingObserver } from '../telemetry/counts.js';
import { startStatusReporting } from '../telemetry/status-reporter.js';
import type { StatusReporter } from '../telemetry/status-reporter.js';
import { KubernetesStatusReporter } from './status-reporter.js';
import { FakeApiServer, NO_WAIT, apiFor, eventually, memoryLog } from './test-support.js';
import type { InClusterApi } from './in-cluster.js';

const FLOW = '/apis/dataflow.dataflow.io/v1/namespaces/team-a/dataflows/orders';
const flow = { namespace: 'team-a', name: 'orders' };
const T0 = Date.parse('2026-11-25T10:00:00.000Z');

void describe('KubernetesStatusReporter', () => {
  let server: FakeApiServer;
  let api: InClusterApi;
  let dispose: () => Promise<void>;
  before(async () => {
    server = await FakeApiServer.start();
    ({ api, dispose } = await apiFor(server));
  });
  after(async () => {
    await dispose();
    await server.close();
  });
  beforeEach(() => {
    server.objects.set(FLOW, {
      metadata: { name: 'orders' },
      spec: { replicas: 2 },
      status: { phase: 'Running', workers: { 'df-orders-other': { processed: 40, errors: 1, filtered: 0, deadLettered: 0, heartbeat: '2026-11-25T09:59:00.000Z' } } },
    });
  });

  const statusOf = () => (server.objects.get(FLOW) as unknown as { status: DataFlowStatus }).status;

  function reporter(podName: string, clock = { now: T0 }, log = memoryLog()): KubernetesStatusReporter {
    return new KubernetesStatusReporter({ api, flow, podName, startedAt: new Date(T0), log, now: () => new Date(clock.now), retry: NO_WAIT });
  }

  void it("writes only its own pod's entry with a merge patch, leaving other pods and the phase alone", async () => {
    await reporter('df-orders-a').report({ processed: 3, errors: 1, filtered: 2, deadLettered: 1, lastProcessedTime: '2026-11-25T09:59:59.000Z' });
    const status = statusOf();
    assert.deepEqual(status.workers?.['df-orders-a'], {
      processed: 3,
      errors: 1,
      filtered: 2,
      deadLettered: 1,
      lastProcessedTime: '2026-11-25T09:59:59.000Z',
      heartbeat: '2026-11-25T10:00:00.000Z',
      startedAt: '2026-11-25T10:00:00.000Z',
    });
    assert.equal(status.workers?.['df-orders-other']?.processed, 40);
    assert.equal(status.phase, 'Running');
    assert.deepEqual([...server.patchTypes], ['application/merge-patch+json']);
  });

  void it('resumes from its own entry after a container restart, so its counts never go down', async () => {
    const first = new CountingObserver(await reporter('df-orders-a').loadBaseline());
    first.committed(5);
    first.recordFailed('transform[0]', 'decode', 2);
    await reporter('df-orders-a').report(first.counts());

    // The container restarts in the same pod: a new process, a new reporter, the same pod name.
    const restarted = reporter('df-orders-a');
    const baseline = await restarted.loadBaseline();
    assert.equal(baseline?.processed, 5);
    const second = new CountingObserver(baseline);
    second.committed(3);
    await restarted.report(second.counts());

    const entry = statusOf().workers?.['df-orders-a'];
    assert.equal(entry?.processed, 8);
    assert.equal(entry?.errors, 2);
    assert.equal(await reporter('df-orders-new').loadBaseline(), undefined, 'a new pod starts from zero');
  });

  void it('writes a heartbeat every interval even when the counts did not change', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const clock = { now: T0 };
    const inner = reporter('df-orders-a', clock);
    let reportsDone = 0; // only to know when the reporting loop re-armed its timer
    const counted: StatusReporter = { report: (c) => inner.report(c).then(() => void reportsDone++) };
    const reporting = startStatusReporting({ reporter: counted, counts: () => ({ processed: 1, errors: 0, filtered: 0, deadLettered: 0 }), heartbeat: true, log: memoryLog() });
    const heartbeat = () => statusOf().workers?.['df-orders-a']?.heartbeat;
    for (let interval = 1; interval <= 3; interval++) {
      clock.now = T0 + interval * 10_000;
      t.mock.timers.tick(10_000);
      await eventually(() => reportsDone === interval, `report ${interval}`);
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(heartbeat(), new Date(clock.now).toISOString());
      assert.equal(statusOf().workers?.['df-orders-a']?.processed, 1);
    }
    clock.now = T0 + 35_000;
    await reporting.stop();
    assert.equal(heartbeat(), new Date(T0 + 35_000).toISOString(), 'final write on stop');
  });

  void it('retries conflicts and server errors, then the entry is there', async () => {
    server.fail('PATCH', `${FLOW}/status`, 409, 2);
    server.fail('PATCH', `${FLOW}/status`, 503, 1);
    await reporter('df-orders-a').report({ processed: 9, errors: 0, filtered: 0, deadLettered: 0 });
    assert.equal(statusOf().workers?.['df-orders-a']?.processed, 9);
  });

  void it('retries a failing GET of the baseline', async () => {
    server.fail('GET', FLOW, 500, 2);
    assert.equal((await reporter('df-orders-other').loadBaseline())?.processed, 40);
  });

  void it('logs a refusal by RBAC once, clearly, and keeps failing visibly', async () => {
    const log = memoryLog();
    const denied = reporter('df-orders-a', { now: T0 }, log);
    server.fail('PATCH', `${FLOW}/status`, 403, 2);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(denied.report({ processed: 1, errors: 0, filtered: 0, deadLettered: 0 }), /403/);
    }
    const errors = log.lines.filter((line) => line.level === 'error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.msg ?? '', /RBAC: the Role df-orders-worker needs .*dataflows\/status/);
    assert.equal(statusOf().workers?.['df-orders-a'], undefined);
  });

  void it('names a deleted flow', async () => {
    server.objects.delete(FLOW);
    await assert.rejects(reporter('df-orders-a').report({ processed: 1, errors: 0, filtered: 0, deadLettered: 0 }), /DataFlow team-a\/orders does not exist/);
    await assert.rejects(reporter('df-orders-a').loadBaseline(), /DataFlow team-a\/orders does not exist/);
  });
});
