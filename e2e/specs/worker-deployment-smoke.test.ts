// Smoke test of the e2e environment: a worker Deployment on the test control plane is bound and run
// by the node agent, becomes Ready through its readiness probe, drains on SIGTERM when the
// Deployment goes, and its namespace deletes completely.
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { createTestNamespace, deleteNamespace, podReady, requireCluster, useNodeAgent } from '../support/cluster.js';
import { repoRoot } from '../support/node-agent.js';
import { waitFor } from '../support/wait.js';

const INSTANCE = 'smoke';
const SELECTOR = `app.kubernetes.io/name=dataflow-worker,app.kubernetes.io/instance=${INSTANCE}`;

function flowConfig(namespace: string): string {
  return JSON.stringify({
    version: 1,
    flow: { namespace, name: INSTANCE, uid: '', generation: 0 },
    spec: {
      source: { type: 'generator', config: { template: { n: '{{seq}}' }, ratePerSecond: 5 } },
      sink: { type: 'stdout', config: {} },
    },
  });
}

function workerDeployment(namespace: string): V1Deployment {
  const labels = { 'app.kubernetes.io/name': 'dataflow-worker', 'app.kubernetes.io/instance': INSTANCE };
  return {
    metadata: { name: `df-${INSTANCE}`, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'worker',
              image: 'localhost/dataflow-worker:dev',
              args: ['--config', '/etc/dataflow/flow.json'],
              ports: [{ name: 'http', containerPort: 9090 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/livez', port: 'http' }, periodSeconds: 10 },
              volumeMounts: [{ name: 'config', mountPath: '/etc/dataflow', readOnly: true }],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: `df-${INSTANCE}-config` } }],
        },
      },
    },
  };
}

void test('a worker Deployment becomes Ready, drains on deletion and its namespace goes away', { timeout: 120_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  const workerMain = join(repoRoot(), 'packages/worker/dist/main.js');
  await access(workerMain).catch(() => assert.fail(`${workerMain} is missing: build the repository first (npx tsc -b)`));

  const agent = await useNodeAgent(cluster);
  const created: { namespace?: string } = {};
  let namespaceDeleted = false;
  // One hook, in this order: the agent must still run while a left-over namespace is deleted.
  t.after(async () => {
    try {
      if (created.namespace !== undefined && !namespaceDeleted) await deleteNamespace(cluster, created.namespace);
    } finally {
      await agent.stop();
    }
  });
  const namespace = await createTestNamespace(cluster, 'e2e-smoke');
  created.namespace = namespace;

  await cluster.core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: `df-${INSTANCE}-config` }, data: { 'flow.json': flowConfig(namespace) } },
  });
  await cluster.apps.createNamespacedDeployment({ namespace, body: workerDeployment(namespace) });

  const listPods = async (): Promise<V1Pod[]> => (await cluster.core.listNamespacedPod({ namespace, labelSelector: SELECTOR })).items;
  const pod = await waitFor('the worker pod to be Ready', async () => (await listPods()).find(podReady), { timeoutMs: 60_000 });
  assert.equal(pod.spec?.nodeName, 'local-proc');
  await waitFor('the Deployment to count one ready replica', async () => {
    const deployment = await cluster.apps.readNamespacedDeployment({ name: `df-${INSTANCE}`, namespace });
    return deployment.status?.readyReplicas === 1;
  });

  const log = join(agent.podDir(pod), 'worker.log');
  await waitFor('generated records in the worker log', async () => (await readFile(log, 'utf8')).includes('{"n":1}'), { timeoutMs: 15_000 });

  await cluster.apps.deleteNamespacedDeployment({ name: `df-${INSTANCE}`, namespace });
  await waitFor('the worker pod to be gone', async () => (await listPods()).length === 0, { timeoutMs: 30_000 });
  assert.match(await readFile(log, 'utf8'), /draining/, 'the worker was stopped with SIGTERM and drained');

  const started = Date.now();
  await deleteNamespace(cluster, namespace, 30_000);
  namespaceDeleted = true;
  assert.ok(Date.now() - started < 30_000);
});
