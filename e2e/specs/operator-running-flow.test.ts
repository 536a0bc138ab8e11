// One running Kafka → PostgreSQL flow (issue 7 items 5 and 7), checked three ways:
// * idle: over 30 s the operator writes nothing — no child object changes, no status write of its
//   own; only the worker's heartbeat reports (one per interval) touch the DataFlow;
// * RBAC: the worker's own service-account token may patch its flow's status and nothing else
//   (another Secret, another ConfigMap, another flow's status are 403);
// * secrets: the database password (a login role made for this test) appears in no ConfigMap,
//   Event, workload object, status, worker log line or operator log line.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import type { V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { adminKubeconfigPath, createTestNamespace, deleteNamespace, requireCluster, useNodeAgent } from '../support/cluster.js';
import type { AgentHandle, TestCluster } from '../support/cluster.js';
import { DataFlows, GROUP, PLURAL, VERSION } from '../support/dataflows.js';
import type { DataFlowObject } from '../support/dataflows.js';
import {
  createLoginRole,
  createTopic,
  deleteTopic,
  dropLoginRole,
  kafkaBrokers,
  pgUrlFor,
  produceRows,
  query,
  requireKafkaAndPostgres,
  uniqueIdent,
} from '../support/flow-services.js';
import { MERGE_PATCH, apiStatus } from '../support/kube.js';
import { applyDataFlowCrd, startOperator } from '../support/operator.js';
import type { OperatorProcess } from '../support/operator.js';
import { waitFor } from '../support/wait.js';

const FLOW = 'main';
const OTHER = 'other';
const IDLE_MS = 30_000;

interface Setup {
  cluster: TestCluster;
  namespace: string;
  flows: DataFlows;
  operator: OperatorProcess;
  password: string;
  url: string;
}

void describe('a running Kafka → PostgreSQL flow', { timeout: 240_000 }, () => {
  const names = { topic: uniqueIdent('e2e_run'), table: uniqueIdent('e2e_run'), role: uniqueIdent('e2e_role') };
  let agent: AgentHandle | undefined;
  let skipReason: string | undefined;
  const cleanup: Array<() => Promise<void>> = [];

  // Set up once, by the first test (whose context is skipped when a service is missing).
  async function prepare(t: TestContext): Promise<Setup | undefined> {
    const cluster = await requireCluster(t);
    if (cluster === undefined) {
      skipReason = 'no test control plane';
      return undefined;
    }
    if (!(await requireKafkaAndPostgres(t))) {
      skipReason = 'Kafka or PostgreSQL is not reachable';
      return undefined;
    }
    agent = await useNodeAgent(cluster);
    await applyDataFlowCrd(cluster.kc, adminKubeconfigPath());
    const namespace = await createTestNamespace(cluster, 'e2e-op-run');
    cleanup.push(() => deleteNamespace(cluster, namespace, 60_000));
    const operator = await startOperator({ kubeconfigPath: adminKubeconfigPath(), namespaces: [namespace] });
    cleanup.push(() => operator.stop());
    const flows = new DataFlows(cluster.kc, namespace);

    await createTopic(names.topic, 1);
    cleanup.push(() => deleteTopic(names.topic));
    await query(`CREATE TABLE ${names.table} (id integer PRIMARY KEY, name text NOT NULL)`);
    cleanup.push(async () => {
      await query(`DROP TABLE IF EXISTS ${names.table}`);
    });
    const password = await createLoginRole(names.role, names.table);
    cleanup.push(() => dropLoginRole(names.role, names.table));
    const url = pgUrlFor(names.role, password);

    await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'db' }, stringData: { url } } });
    await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'other-db' }, stringData: { url } } });
    const sink = (secret: string): Record<string, unknown> => ({
      type: 'postgresql',
      config: { connectionStringSecretRef: { name: secret, key: 'url' }, table: names.table },
    });
    await flows.create(FLOW, { source: { type: 'kafka', config: { brokers: kafkaBrokers, topic: names.topic } }, sink: sink('db') });
    // A second flow whose children the first worker must not touch (suspended: no pods).
    await flows.create(OTHER, { suspend: true, source: { type: 'kafka', config: { brokers: kafkaBrokers, topic: names.topic } }, sink: sink('other-db') });

    await flows.waitRolledOut(FLOW, 1);
    await produceRows(names.topic, 1, 5);
    await waitFor('5 rows written with the test role', async () => (await query(`SELECT id FROM ${names.table}`)).length === 5, { timeoutMs: 60_000 });
    await flows.waitUntil(FLOW, 'Running with processedCount 5', (f) => f.status?.phase === 'Running' && f.status.processedCount === 5, 30_000);
    await flows.waitUntil(OTHER, 'the other flow Suspended', (f) => f.status?.phase === 'Suspended');
    return { cluster, namespace, flows, operator, password, url };
  }
  let pending: Promise<Setup | undefined> | undefined;
  async function ready(t: TestContext): Promise<Setup | undefined> {
    pending ??= prepare(t);
    const setup = await pending;
    if (setup === undefined && t.name !== firstTest) t.skip(skipReason ?? 'setup failed');
    return setup;
  }
  const firstTest = 'makes no operator writes while the flow is idle (only worker heartbeats)';

  after(async () => {
    try {
      // Reverse order: the operator stops before the namespace goes, the namespace before the agent.
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
    } finally {
      await agent?.stop();
    }
  });

  void it(firstTest, async (t) => {
    const setup = await ready(t);
    if (setup === undefined) return;
    const { flows, namespace, cluster } = setup;
    const childVersions = async (): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      const deployment = await flows.apps.readNamespacedDeployment({ name: `df-${FLOW}`, namespace });
      out['Deployment'] = deployment.metadata?.resourceVersion ?? '';
      for (const rs of (await flows.apps.listNamespacedReplicaSet({ namespace, labelSelector: `dataflow.dataflow.io/name=${FLOW}` })).items) {
        out[`ReplicaSet/${rs.metadata?.name ?? ''}`] = rs.metadata?.resourceVersion ?? '';
      }
      out['ConfigMap'] = (await flows.core.readNamespacedConfigMap({ name: `df-${FLOW}-config`, namespace })).metadata?.resourceVersion ?? '';
      out['ServiceAccount'] = (await flows.core.readNamespacedServiceAccount({ name: `df-${FLOW}-worker`, namespace })).metadata?.resourceVersion ?? '';
      out['Role'] = (await flows.rbac.readNamespacedRole({ name: `df-${FLOW}-worker`, namespace })).metadata?.resourceVersion ?? '';
      out['RoleBinding'] = (await flows.rbac.readNamespacedRoleBinding({ name: `df-${FLOW}-worker`, namespace })).metadata?.resourceVersion ?? '';
      for (const e of (await flows.core.listNamespacedEvent({ namespace })).items) out[`Event/${e.metadata?.name ?? ''}`] = e.metadata?.resourceVersion ?? '';
      return out;
    };

    // Who wrote: the managedFields entry (manager + subresource) whose time moved.
    const stamp = (entries: V1ManagedFieldsEntry[] | undefined): Map<string, string> =>
      new Map((entries ?? []).map((m) => [`${m.manager ?? '?'}|${m.subresource ?? ''}`, String(m.time ?? '')]));
    const writes: string[] = [];
    let previous = stamp((await flows.get(FLOW)).metadata.managedFields);
    let previousVersion = (await flows.get(FLOW)).metadata.resourceVersion ?? '';
    const before = await childVersions();

    const watching = await new Watch(cluster.kc).watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
      { fieldSelector: `metadata.name=${FLOW}`, resourceVersion: previousVersion },
      (type: string, obj: DataFlowObject) => {
        if (type !== 'MODIFIED' || obj.metadata.resourceVersion === previousVersion) return;
        previousVersion = obj.metadata.resourceVersion ?? '';
        const now = stamp(obj.metadata.managedFields);
        const movers = [...now].filter(([key, time]) => previous.get(key) !== time).map(([key]) => key);
        writes.push(movers.length === 0 ? 'unattributed' : movers.join('+'));
        previous = now;
      },
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    watching.abort();

    t.diagnostic(`DataFlow writes in ${IDLE_MS / 1000} s: ${JSON.stringify(writes)}`);
    assert.deepEqual(await childVersions(), before, 'no child object (or Event) changed while idle');
    const byOperator = writes.filter((w) => w.includes('dataflow-controller') || w === 'unattributed');
    assert.deepEqual(byOperator, [], 'the operator wrote nothing while the flow was idle');
    const heartbeats = writes.filter((w) => w === 'dataflow-worker|status');
    assert.ok(heartbeats.length >= 2 && heartbeats.length <= 4, `one worker report per ~10 s interval, got ${heartbeats.length}`);
    assert.equal(writes.length, heartbeats.length, 'every write was a worker report');
  });

  void it("limits the worker's token to its own flow's status", async (t) => {
    const setup = await ready(t);
    if (setup === undefined) return;
    const { cluster, namespace } = setup;
    const issued = await cluster.core.createNamespacedServiceAccountToken({
      name: `df-${FLOW}-worker`,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = issued.status?.token ?? '';
    assert.notEqual(token, '');
    const admin = cluster.kc.getCurrentCluster();
    assert.ok(admin !== null);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [admin],
      users: [{ name: 'worker', token }],
      contexts: [{ name: 'worker', cluster: admin.name, user: 'worker', namespace }],
      currentContext: 'worker',
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const patchStatus = (name: string): Promise<unknown> =>
      custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: {} }, MERGE_PATCH);
    const statusOf = async (call: () => Promise<unknown>): Promise<number> => {
      try {
        await call();
        return 200;
      } catch (error) {
        return apiStatus(error) ?? -1;
      }
    };

    assert.equal(await statusOf(() => patchStatus(FLOW)), 200, 'patching its own dataflows/status is allowed');
    assert.equal(await statusOf(() => patchStatus(OTHER)), 403, "patching another flow's status is refused");
    assert.equal(await statusOf(() => core.readNamespacedSecret({ name: 'other-db', namespace })), 403, 'reading another Secret is refused');
    assert.equal(await statusOf(() => core.readNamespacedSecret({ name: 'db', namespace })), 403, 'the worker gets its Secret mounted, not through the API');
    assert.equal(await statusOf(() => core.readNamespacedConfigMap({ name: `df-${OTHER}-config`, namespace })), 403, 'reading another ConfigMap is refused');
    assert.equal(await statusOf(() => core.listNamespacedConfigMap({ namespace })), 403, 'listing ConfigMaps is refused');
    assert.equal(
      await statusOf(() => custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name: FLOW, body: { spec: { replicas: 2 } } }, MERGE_PATCH)),
      403,
      'changing its own spec is refused',
    );
  });

  void it('never shows the database password in ConfigMaps, Events, workloads, status or logs', async (t) => {
    const setup = await ready(t);
    if (setup === undefined) return;
    const { cluster, namespace, flows, operator, password, url } = setup;
    // The marker is real: the Secret holds it and the worker used it (rows were written above).
    const secret = await cluster.core.readNamespacedSecret({ name: 'db', namespace });
    assert.equal(Buffer.from(secret.data?.['url'] ?? '', 'base64').toString('utf8'), url);

    const podDirs = (await readdir(join(cluster.runDir, 'pods'))).filter((d) => d.startsWith(`${namespace}_`));
    assert.ok(podDirs.length > 0);
    const workerLogs = await Promise.all(podDirs.map((d) => readFile(join(cluster.runDir, 'pods', d, 'worker.log'), 'utf8')));
    assert.ok(workerLogs.join('').includes('flow starting'), 'the worker logs were found');
    const places: Array<[string, string]> = [
      ['ConfigMaps', JSON.stringify((await flows.core.listNamespacedConfigMap({ namespace })).items)],
      ['Events', JSON.stringify((await flows.core.listNamespacedEvent({ namespace })).items)],
      ['Deployments', JSON.stringify((await flows.apps.listNamespacedDeployment({ namespace })).items)],
      ['Pods', JSON.stringify((await flows.core.listNamespacedPod({ namespace })).items)],
      ['DataFlows', JSON.stringify([await flows.get(FLOW), await flows.get(OTHER)])],
      ['worker logs', workerLogs.join('\n')],
      ['operator log', await operator.log()],
    ];
    for (const [where, text] of places) {
      assert.ok(text.length > 0, `${where} were read`);
      assert.ok(!text.includes(password), `the database password appears in ${where}`);
    }
  });
});
