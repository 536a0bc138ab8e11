import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataFlowSpec } from '@dataflow/api';
import { startClusterServices } from './cluster-services.js';
import { ConfigMapCheckpointStore } from './checkpoint-store.js';
import type { InClusterApi } from './in-cluster.js';
import { FakeApiServer, NO_WAIT, apiFor, memoryLog } from './test-support.js';

const FLOW = '/apis/dataflow.dataflow.io/v1/namespaces/team-a/dataflows/orders';
const CM = '/api/v1/namespaces/team-a/configmaps/df-orders-checkpoint';
const flow = { namespace: 'team-a', name: 'orders', generation: 2 };

function spec(sourceType: string, extra: Partial<DataFlowSpec> = {}): DataFlowSpec {
  return { source: { type: sourceType, config: {} }, sink: { type: 'stdout', config: {} }, ...extra } as DataFlowSpec;
}

void describe('startClusterServices', () => {
  let server: FakeApiServer;
  let api: InClusterApi;
  let dispose: () => Promise<void>;
  before(async () => {
    server = await FakeApiServer.start();
    ({ api, dispose } = await apiFor(server));
    server.objects.set(FLOW, { status: { workers: { 'pod-1': { processed: 12, errors: 1, filtered: 2, deadLettered: 1, heartbeat: '2026-11-25T10:00:00Z' } } } });
  });
  after(async () => {
    await dispose();
    await server.close();
  });
  const start = (s: DataFlowSpec, podName = 'pod-1') => startClusterServices({ api, flow, spec: s, podName, startedAt: new Date(), log: memoryLog(), retry: NO_WAIT });

  void it("returns the pod's baseline and a ConfigMap store for a polling source", async () => {
    const services = await start(spec('postgresql', { checkpointSaveInterval: '1m' }));
    assert.deepEqual(services.baseline, { processed: 12, errors: 1, filtered: 2, deadLettered: 1 });
    assert.ok(services.checkpoints instanceof ConfigMapCheckpointStore);
    assert.equal((await start(spec('postgresql'), 'pod-2')).baseline, undefined);
  });

  void it('keeps checkpoints in memory for Kafka and when persistence is off', async () => {
    for (const s of [spec('kafka', { checkpointReset: true }), spec('postgresql', { checkpointPersistence: false, checkpointReset: true })]) {
      const services = await start(s);
      assert.ok(!(services.checkpoints instanceof ConfigMapCheckpointStore));
      await services.checkpoints.save({ id: 1 });
      await services.checkpoints.close();
    }
    assert.equal(server.objects.has(CM), false, 'no ConfigMap was needed');
  });

  void it('clears the checkpoint for checkpointReset and names a bad save interval', async () => {
    server.objects.set(CM, { data: { 'checkpoint.json': '{"id":3}' } });
    await start(spec('postgresql', { checkpointReset: true }));
    assert.deepEqual((server.objects.get(CM) as { data: unknown }).data, { 'reset-generation': '2' });
    await assert.rejects(start(spec('postgresql', { checkpointSaveInterval: 'soon' })), /spec.checkpointSaveInterval: "soon" is not a duration/);
  });
});
