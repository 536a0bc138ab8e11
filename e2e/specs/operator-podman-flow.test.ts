// A Kafka → PostgreSQL flow whose worker runs from the real worker image (issue 9 item 2): the
// operator (a local process) builds the worker Deployment with its restricted pod settings, and the
// node agent in container mode runs the pod with podman — read-only root, uid 10001, no
// capabilities, the flow ConfigMap and the Secret mounted, the token at the in-cluster path. Rows
// land, the flow reports Running with its counts from inside the container, and deleting the pod
// stops the container with SIGTERM: the worker drains and exits 0, and the replacement pod picks up
// where it left off.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminKubeconfigPath, createTestNamespace, deleteNamespace, requireCluster } from '../support/cluster.js';
import { DataFlows } from '../support/dataflows.js';
import { createLoginRole, createTopic, deleteTopic, dropLoginRole, kafkaBrokers, pgUrlFor, produceRows, query, requireKafkaAndPostgres, uniqueIdent } from '../support/flow-services.js';
import { applyDataFlowCrd, startOperator } from '../support/operator.js';
import type { OperatorProcess } from '../support/operator.js';
import { podContainers, projectImages, requireImages, startPodmanAgent } from '../support/podman-agent.js';
import type { PodmanAgent } from '../support/podman-agent.js';
import { waitFor } from '../support/wait.js';

const NODE = 'local-podman-flow';
const FLOW = 'images';

void test('a Kafka → PostgreSQL flow runs from the worker image; a deleted pod stops with SIGTERM and exit 0', { timeout: 300_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  if (!(await requireKafkaAndPostgres(t))) return;
  const { worker } = await projectImages();
  if (!(await requireImages(t, [worker]))) return;

  const names = { topic: uniqueIdent('h7_img'), table: uniqueIdent('h7_img'), role: uniqueIdent('h7_role') };
  const agentLog: string[] = [];
  const state: { agent?: PodmanAgent; namespace?: string; operator?: OperatorProcess; role?: boolean } = {};
  t.after(async () => {
    try {
      await state.operator?.stop();
      if (state.namespace !== undefined) await deleteNamespace(cluster, state.namespace, 90_000);
    } finally {
      await state.agent?.stop();
      await deleteTopic(names.topic).catch(() => undefined);
      if (state.role === true) await dropLoginRole(names.role, names.table).catch(() => undefined);
      await query(`DROP TABLE IF EXISTS ${names.table}`).catch(() => undefined);
    }
  });

  const started = Date.now();
  state.agent = await startPodmanAgent(cluster, NODE, { log: (message) => agentLog.push(message), maxGraceSeconds: 30 });
  await applyDataFlowCrd(cluster.kc, adminKubeconfigPath());
  const namespace = await createTestNamespace(cluster, 'e2e-podman-flow');
  state.namespace = namespace;
  state.operator = await startOperator({ kubeconfigPath: adminKubeconfigPath(), namespaces: [namespace] });
  const flows = new DataFlows(cluster.kc, namespace);

  await createTopic(names.topic, 1);
  await query(`CREATE TABLE ${names.table} (id integer PRIMARY KEY, name text NOT NULL)`);
  const password = await createLoginRole(names.role, names.table);
  state.role = true;
  await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'db' }, stringData: { url: pgUrlFor(names.role, password) } } });
  await flows.create(FLOW, {
    workerImage: worker,
    // No scheduler: the selector sends the pod to the podman agent's node, not the process agent's.
    nodeSelector: { 'kubernetes.io/hostname': NODE },
    source: { type: 'kafka', config: { brokers: kafkaBrokers, topic: names.topic } },
    sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: 'db', key: 'url' }, table: names.table } },
  });

  const [podName = ''] = await flows.waitRolledOut(FLOW, 1, 120_000);
  const pod = await cluster.core.readNamespacedPod({ name: podName, namespace });
  const containerID = pod.status?.containerStatuses?.[0]?.containerID ?? '';
  assert.match(containerID, /^podman:\/\//, 'the worker runs as a podman container');
  assert.equal(pod.spec?.nodeName, NODE);
  assert.equal(pod.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
  assert.deepEqual(await podContainers(pod.metadata?.uid ?? ''), [containerID.replace('podman://', '')]);
  t.diagnostic(`worker pod Ready from the image ${Date.now() - started} ms after the start`);

  await produceRows(names.topic, 1, 5);
  await waitFor('5 rows written by the containerised worker', async () => (await query(`SELECT id FROM ${names.table}`)).length === 5, { timeoutMs: 60_000 });
  await flows.waitUntil(FLOW, 'Running with processedCount 5', (f) => f.status?.phase === 'Running' && f.status.processedCount === 5, 30_000);

  // Delete the pod: the agent runs `podman stop`, the worker drains on SIGTERM and exits 0.
  const deleted = Date.now();
  await cluster.core.deleteNamespacedPod({ name: podName, namespace });
  const exitLine = await waitFor(
    `the worker container of ${podName} to exit`,
    () => Promise.resolve(agentLog.find((line) => line.includes(`${namespace}/${podName}: container worker exited`))),
    { timeoutMs: 40_000 },
  );
  const stopMs = Date.now() - deleted;
  t.diagnostic(`${exitLine} (${stopMs} ms after the delete)`);
  assert.match(exitLine, /exited with code 0 \(Completed\)/, 'SIGTERM drained the worker, which exited 0');
  const log = await readFile(join(state.agent.agent.podDir(pod), 'worker.log'), 'utf8');
  assert.match(log, /flow stopped after draining/);
  assert.deepEqual(await podContainers(pod.metadata?.uid ?? ''), [], 'no container left behind');

  // The replacement pod resumes from the committed offsets: new rows only, none twice.
  await flows.waitRolledOut(FLOW, 1, 120_000);
  await produceRows(names.topic, 6, 8);
  await waitFor('8 rows after the restart', async () => (await query(`SELECT id FROM ${names.table}`)).length === 8, { timeoutMs: 60_000 });
  t.diagnostic(`whole scenario ${Date.now() - started} ms`);
});
