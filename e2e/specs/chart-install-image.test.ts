// The chart installed for real (issue 9 item 3): `helm install` of charts/dataflow-operator with the
// operator running as a pod from localhost/dataflow-controller (pullPolicy Never) and the worker
// image from the chart's workerImage, both run by the node agent in container mode — so the chart's
// restricted security settings, probes, ServiceAccount, RBAC and the in-cluster configuration are
// what the operator really runs with. Then a Kafka → PostgreSQL DataFlow moves rows, `helm upgrade`
// rolls the operator pod (the old one stops on SIGTERM with exit 0) and the new one reconciles
// (suspend, resume), and `helm uninstall` leaves no object or container of the release behind while
// the CRD stays.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { adminKubeconfigPath, createTestNamespace, deleteNamespace, podReady, requireCluster } from '../support/cluster.js';
import { DataFlows } from '../support/dataflows.js';
import { createLoginRole, createTopic, deleteTopic, dropLoginRole, kafkaBrokers, pgUrlFor, produceRows, query, requireKafkaAndPostgres, uniqueIdent } from '../support/flow-services.js';
import { CHART_DIR, helm, succeeded } from '../support/helm.js';
import { kubectl } from '../support/kubectl.js';
import { CRD_NAME } from '../support/operator.js';
import { podContainers, projectImages, requireImages, startPodmanAgent } from '../support/podman-agent.js';
import type { PodmanAgent } from '../support/podman-agent.js';
import { waitFor } from '../support/wait.js';

const NODE = 'local-podman-chart';
const FLOW = 'charted';
const OPERATOR_CONTAINER = 'controller';

/** repository and tag of an image reference (the tag after the last ':' that follows the last '/'). */
function splitImage(image: string): { repository: string; tag: string } {
  const colon = image.lastIndexOf(':');
  if (colon <= image.lastIndexOf('/')) throw new Error(`image ${image} has no tag`);
  return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}

void test('helm install runs the operator from its image, a flow moves rows, upgrade rolls the operator, uninstall leaves nothing', { timeout: 480_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  if (!(await requireKafkaAndPostgres(t))) return;
  const images = await projectImages();
  if (!(await requireImages(t, [images.worker, images.controller]))) return;

  const release = `h7img-${randomBytes(3).toString('hex')}`;
  const names = { topic: uniqueIdent('h7_chart'), table: uniqueIdent('h7_chart'), role: uniqueIdent('h7_chrole') };
  const agentLog: string[] = [];
  const kc = adminKubeconfigPath();
  const state: { agent?: PodmanAgent; namespace?: string; dir?: string; role?: boolean } = {};
  t.after(async () => {
    try {
      if (state.namespace !== undefined) {
        await helm(['uninstall', release, '--namespace', state.namespace, '--ignore-not-found']);
        await deleteNamespace(cluster, state.namespace, 90_000);
      }
      await kubectl(kc, ['delete', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`, '--ignore-not-found']);
    } finally {
      await state.agent?.stop();
      await deleteTopic(names.topic).catch(() => undefined);
      if (state.role === true) await dropLoginRole(names.role, names.table).catch(() => undefined);
      await query(`DROP TABLE IF EXISTS ${names.table}`).catch(() => undefined);
      if (state.dir !== undefined) await rm(state.dir, { recursive: true, force: true });
    }
  });
  const started = Date.now();
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  // One agent for both kinds of pods; it binds only pods whose nodeSelector names its node.
  state.agent = await startPodmanAgent(cluster, NODE, {
    labelSelector: 'app.kubernetes.io/name in (dataflow-worker,dataflow-operator)',
    log: (message) => agentLog.push(message),
    maxGraceSeconds: 30,
  });
  const namespace = await createTestNamespace(cluster, 'e2e-chart-img');
  state.namespace = namespace;
  state.dir = await mkdtemp(join(tmpdir(), 'chart-image-'));
  const values = join(state.dir, 'values.yaml');
  await writeFile(
    values,
    stringify({
      image: { ...splitImage(images.controller), pullPolicy: 'Never' },
      workerImage: splitImage(images.worker),
      // Only this test's namespace: other tests run their own operators meanwhile.
      watchNamespaces: [namespace],
      nodeSelector: { 'kubernetes.io/hostname': NODE },
    }),
  );

  // --take-ownership: the CRD usually exists already (applied by other tests).
  succeeded(await helm(['install', release, CHART_DIR, '--namespace', namespace, '-f', values, '--take-ownership', '--force-conflicts']), 'helm install');
  const operatorSelector = `app.kubernetes.io/instance=${release},app.kubernetes.io/name=dataflow-operator`;
  const operatorPods = async (): Promise<V1Pod[]> => (await cluster.core.listNamespacedPod({ namespace, labelSelector: operatorSelector })).items;
  const first = await waitFor(
    'the operator pod to be Ready (readiness probe answered from inside the container)',
    async () => {
      const pods = await operatorPods();
      return pods.length === 1 && pods[0] !== undefined && podReady(pods[0]) ? pods[0] : undefined;
    },
    { timeoutMs: 120_000 },
  );
  const firstStatus = first.status?.containerStatuses?.find((c) => c.name === OPERATOR_CONTAINER);
  assert.match(firstStatus?.containerID ?? '', /^podman:\/\//, 'the operator runs as a podman container');
  assert.equal(firstStatus?.image, images.controller);
  assert.equal(first.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
  t.diagnostic(`operator pod ${first.metadata?.name ?? ''} Ready after ${elapsed()}`);

  // A flow, reconciled by the operator in the pod, run by a worker from the chart's worker image.
  const flows = new DataFlows(cluster.kc, namespace);
  await createTopic(names.topic, 1);
  await query(`CREATE TABLE ${names.table} (id integer PRIMARY KEY, name text NOT NULL)`);
  const password = await createLoginRole(names.role, names.table);
  state.role = true;
  await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'db' }, stringData: { url: pgUrlFor(names.role, password) } } });
  await flows.create(FLOW, {
    nodeSelector: { 'kubernetes.io/hostname': NODE },
    source: { type: 'kafka', config: { brokers: kafkaBrokers, topic: names.topic } },
    sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: 'db', key: 'url' }, table: names.table } },
  });
  const [workerPod = ''] = await flows.waitRolledOut(FLOW, 1, 120_000);
  const worker = await cluster.core.readNamespacedPod({ name: workerPod, namespace });
  assert.equal(worker.spec?.containers[0]?.image, images.worker, "the worker image comes from the chart's workerImage");
  assert.match(worker.status?.containerStatuses?.[0]?.containerID ?? '', /^podman:\/\//);
  await produceRows(names.topic, 1, 5);
  await waitFor('5 rows in PostgreSQL', async () => (await query(`SELECT id FROM ${names.table}`)).length === 5, { timeoutMs: 60_000 });
  await flows.waitUntil(FLOW, 'Running with processedCount 5', (f) => f.status?.phase === 'Running' && f.status.processedCount === 5, 30_000);
  t.diagnostic(`rows landed after ${elapsed()}`);

  // helm upgrade: a new pod template, so a new operator pod; the old one is stopped with SIGTERM.
  succeeded(await helm(['upgrade', release, CHART_DIR, '--namespace', namespace, '-f', values, '--set', 'logLevel=debug', '--force-conflicts']), 'helm upgrade');
  const second = await waitFor(
    'the upgrade to replace the operator pod with a Ready one',
    async () => {
      const pods = await operatorPods();
      return pods.length === 1 && pods[0] !== undefined && pods[0].metadata?.uid !== first.metadata?.uid && podReady(pods[0]) ? pods[0] : undefined;
    },
    { timeoutMs: 120_000 },
  );
  assert.equal(second.spec?.containers[0]?.env?.find((e) => e.name === 'LOG_LEVEL')?.value, 'debug');
  const oldExit = agentLog.find((line) => line.includes(`${namespace}/${first.metadata?.name ?? ''}: container ${OPERATOR_CONTAINER} exited`));
  assert.match(oldExit ?? 'no exit logged', /exited with code 0 \(Completed\)/, 'the old operator stopped on SIGTERM with exit 0');
  assert.deepEqual(await podContainers(first.metadata?.uid ?? ''), [], "the old operator's container is gone");
  t.diagnostic(`operator rolled to ${second.metadata?.name ?? ''} after ${elapsed()}`);

  // The new operator reconciles: suspend scales the worker away, resume brings it back with new rows.
  await flows.patchSpec(FLOW, { suspend: true });
  await flows.waitUntil(FLOW, 'Suspended by the new operator', (f) => f.status?.phase === 'Suspended', 60_000);
  await waitFor('no worker pod while suspended', async () => (await flows.allPods(FLOW)).length === 0, { timeoutMs: 60_000 });
  await produceRows(names.topic, 6, 8);
  await flows.patchSpec(FLOW, { suspend: false });
  await waitFor('8 rows after resuming', async () => (await query(`SELECT id FROM ${names.table}`)).length === 8, { timeoutMs: 90_000 });
  t.diagnostic(`suspend/resume done after ${elapsed()}`);

  // Uninstall: the flow goes first (its worker is the DataFlow's, not the release's), then the release.
  await flows.delete(FLOW);
  await waitFor('the flow and its worker to be gone', async () => (await flows.allPods(FLOW)).length === 0 && !(await kubectl(kc, ['get', 'dataflow', FLOW, '-n', namespace])).stdout.includes(FLOW), {
    timeoutMs: 60_000,
  });
  succeeded(await helm(['uninstall', release, '--namespace', namespace]), 'helm uninstall');
  const leftovers = async (): Promise<string[]> => {
    const selector = `app.kubernetes.io/instance=${release}`;
    const inNamespace = succeeded(await kubectl(kc, ['get', 'deployments,replicasets,pods,services,serviceaccounts,configmaps,roles,rolebindings', '-n', namespace, '-l', selector, '-o', 'name']), 'kubectl get');
    const clusterWide = succeeded(await kubectl(kc, ['get', 'clusterroles,clusterrolebindings', '-l', selector, '-o', 'name']), 'kubectl get');
    const containers = [...(await podContainers(first.metadata?.uid ?? '')), ...(await podContainers(second.metadata?.uid ?? ''))];
    return [...`${inNamespace}\n${clusterWide}`.split('\n').filter((line) => line.trim() !== ''), ...containers.map((c) => `container/${c}`)];
  };
  await waitFor('no object or container of the release left', async () => (await leftovers()).length === 0, { timeoutMs: 90_000 }).catch(async (error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; left: ${(await leftovers()).join(', ')}`);
  });
  const secondExit = agentLog.find((line) => line.includes(`${namespace}/${second.metadata?.name ?? ''}: container ${OPERATOR_CONTAINER} exited`));
  assert.match(secondExit ?? 'no exit logged', /exited with code 0 \(Completed\)/, 'the uninstalled operator stopped with exit 0');
  assert.equal(succeeded(await helm(['list', '--namespace', namespace, '-q']), 'helm list').trim(), '', 'no release left');
  assert.equal(succeeded(await kubectl(kc, ['get', 'crd', CRD_NAME, '-o', 'name']), 'kubectl get crd').trim(), `customresourcedefinition.apiextensions.k8s.io/${CRD_NAME}`, 'the CRD is kept');
  t.diagnostic(`install → flow → upgrade → uninstall in ${elapsed()}`);
});
