// The operator end to end on the test control plane (issue 7 item 6): a Kafka → PostgreSQL DataFlow
// whose connection string is in a Secret goes through its whole life — rows land and the counts
// show, a transformation edit and a Secret rotation roll the pod, an invalid edit leaves the running
// worker alone, `kubectl scale` scales it (and refuses a polling source), suspend/resume, and
// deleting it garbage-collects every child.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminKubeconfigPath } from '../support/cluster.js';
import { conditionOf } from '../support/dataflows.js';
import type { DataFlowObject } from '../support/dataflows.js';
import { createTopic, kafkaBrokers, pgUrl, produceRows, query } from '../support/flow-services.js';
import { kubectl } from '../support/kubectl.js';
import { startOperatorScenario } from '../support/operator-scenario.js';
import { waitFor } from '../support/wait.js';

const FLOW = 'orders';
const SECRET = 'orders-db';

interface Row {
  id: number;
  name: string;
  stage: string | null;
  /** application_name of the session that inserted the row (a column default). */
  client: string;
}

void test('a Kafka → PostgreSQL DataFlow: counts, edits, rotation, invalid edit, scale, suspend, delete', { timeout: 300_000 }, async (t) => {
  const scenario = await startOperatorScenario(t, 'e2e-op-flow', 'e2e_orders');
  if (scenario === undefined) return;
  const { cluster, namespace, operator, flows, names } = scenario;
  const kube = (...args: string[]): ReturnType<typeof kubectl> => kubectl(adminKubeconfigPath(), ['-n', namespace, ...args]);

  await createTopic(names.topic, 3);
  await query(`CREATE TABLE ${names.table} (id integer PRIMARY KEY, name text NOT NULL, stage text, client text DEFAULT current_setting('application_name'))`);
  const rows = (): Promise<Row[]> => query<Row>(`SELECT id, name, stage, client FROM ${names.table} ORDER BY id`);
  const waitRows = (count: number, what: string): Promise<Row[]> =>
    waitFor(what, async () => {
      const found = await rows();
      return found.length >= count ? found : undefined;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  const processedIs = (n: number) => (f: DataFlowObject): boolean => f.status?.phase === 'Running' && f.status.processedCount === n;

  await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: SECRET }, stringData: { url: pgUrl } } });
  await flows.create(FLOW, {
    source: { type: 'kafka', config: { brokers: kafkaBrokers, topic: names.topic, startOffset: 'earliest' } },
    sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: SECRET, key: 'url' }, table: names.table, batchSize: 10, batchFlushIntervalSeconds: 1 } },
  });

  // 1. Rows land; the status shows Running and the count the workers reported.
  const [firstPod = ''] = await flows.waitRolledOut(FLOW, 1);
  await produceRows(names.topic, 1, 20);
  assert.equal((await waitRows(20, '20 rows in PostgreSQL')).length, 20);
  await flows.waitUntil(FLOW, 'phase Running with processedCount 20', processedIs(20), 30_000);
  const table = await kube('get', 'df', FLOW);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^${FLOW}\\s+Running\\s+kafka\\s+postgresql\\s+20\\s+0\\s`, 'm'), table.stdout);

  // 2. Editing a transformation rolls the pod; new rows carry the new field, old ones do not.
  const hashBefore = await flows.templateHash(FLOW);
  await flows.patchSpec(FLOW, { transformations: [{ type: 'insertField', config: { fields: { stage: 'v2' } } }] });
  const [secondPod = ''] = await flows.waitReadyPods(FLOW, 1, 60_000, (pods) => pods.every((p) => p.metadata?.name !== firstPod));
  const hashAfterEdit = await flows.templateHash(FLOW);
  assert.notEqual(hashAfterEdit, hashBefore, 'the config-hash annotation changed');
  await produceRows(names.topic, 21, 30);
  const afterEdit = await waitRows(30, '30 rows after the edit');
  assert.deepEqual(afterEdit.filter((r) => r.id <= 20).map((r) => r.stage), Array<null>(20).fill(null));
  assert.deepEqual(afterEdit.filter((r) => r.id > 20).map((r) => r.stage), Array<string>(10).fill('v2'));

  // 3. Rotating the Secret (an equivalent URL that names the client) rolls the pod onto the new value.
  const rotated = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}application_name=${names.table}`;
  await cluster.core.replaceNamespacedSecret({ name: SECRET, namespace, body: { metadata: { name: SECRET }, stringData: { url: rotated } } });
  const [thirdPod = ''] = await flows.waitReadyPods(FLOW, 1, 60_000, (pods) => pods.every((p) => p.metadata?.name !== secondPod));
  assert.notEqual(await flows.templateHash(FLOW), hashAfterEdit, 'a rotation changes the config-hash annotation');
  await produceRows(names.topic, 31, 35);
  const afterRotation = await waitRows(35, '35 rows after the rotation');
  assert.ok(afterRotation.filter((r) => r.id <= 30).every((r) => r.client !== names.table), 'rows before the rotation came from the old URL');
  assert.deepEqual(afterRotation.filter((r) => r.id > 30).map((r) => r.client), Array<string>(5).fill(names.table), 'the new pod uses the rotated URL');
  await flows.waitUntil(FLOW, 'processedCount 35 after two rollouts', processedIs(35), 30_000);

  // 4. An invalid edit: SpecValid=False, the Deployment and the running pod stay as they are.
  const hashValid = await flows.templateHash(FLOW);
  const invalid = await flows.patchSpec(FLOW, {
    transformations: [
      { type: 'insertField', config: { fields: { stage: 'v2' } } },
      { type: 'filter', config: { condition: '$.id >>> 3' } },
    ],
  });
  const rejected = await flows.waitUntil(
    FLOW,
    'SpecValid=False for the invalid edit',
    (f) => {
      const c = conditionOf(f, 'SpecValid');
      return c?.status === 'False' && c.observedGeneration === invalid.metadata.generation;
    },
    20_000,
  );
  assert.match(conditionOf(rejected, 'SpecValid')?.message ?? '', /transformations|condition/, 'the message names the bad field');
  assert.equal(await flows.templateHash(FLOW), hashValid, 'the Deployment was not touched');
  assert.deepEqual(await flows.waitReadyPods(FLOW, 1, 5_000), [thirdPod], 'the old worker keeps running');
  await flows.patchSpec(FLOW, { transformations: [{ type: 'insertField', config: { fields: { stage: 'v2' } } }] });
  // Back to the running spec: valid again, same pod template, so nothing rolls.
  await flows.waitUntil(FLOW, 'SpecValid=True again', (f) => conditionOf(f, 'SpecValid')?.status === 'True' && f.status?.phase === 'Running');
  assert.equal(await flows.templateHash(FLOW), hashValid);
  assert.deepEqual(await flows.waitRolledOut(FLOW, 1, 5_000), [thirdPod], 'reverting to the running spec does not roll');

  // 5. kubectl scale (the scale subresource) to 3: three Ready workers share the partitions.
  const scaled = await kube('scale', `dataflow/${FLOW}`, '--replicas=3');
  assert.equal(scaled.code, 0, scaled.stderr);
  const three = await flows.waitRolledOut(FLOW, 3, 90_000);
  assert.ok(three.includes(thirdPod), 'scaling up keeps the running pod');
  assert.equal(await flows.templateHash(FLOW), hashValid, 'scaling does not change the pod template');
  await flows.waitUntil(FLOW, 'status.replicas 3', (f) => f.status?.replicas === 3 && f.status.phase === 'Running');
  await produceRows(names.topic, 36, 65);
  assert.equal((await waitRows(65, '65 rows after scaling')).length, 65);
  const counted = await flows.waitUntil(FLOW, 'processedCount 65 from three workers', processedIs(65), 40_000);
  const busy = Object.entries(counted.status?.workers ?? {}).filter(([pod, w]) => three.includes(pod) && w.processed > 0);
  assert.ok(busy.length >= 2, `more than one worker processed messages: ${JSON.stringify(counted.status?.workers)}`);

  // 6. A polling source cannot be scaled past one worker: the API server refuses with a clear message.
  await flows.create('poller', {
    suspend: true,
    source: { type: 'postgresql', config: { connectionStringSecretRef: { name: SECRET, key: 'url' }, table: names.table, changeTrackingColumn: 'id' } },
    sink: { type: 'stdout', config: {} },
  });
  const refused = await kube('scale', 'dataflow/poller', '--replicas=3');
  assert.notEqual(refused.code, 0, 'scaling a polling source must fail');
  assert.match(refused.stderr, /replicas above 1 need a kafka source/);
  assert.equal((await flows.get('poller')).spec['replicas'] ?? 1, 1);
  await flows.delete('poller');

  // 7. Suspend: no pods, phase Suspended. Resume: Running with the three workers again.
  await flows.patchSpec(FLOW, { suspend: true });
  await waitFor('every worker pod to be gone', async () => (await flows.allPods(FLOW)).length === 0, { timeoutMs: 60_000 });
  await flows.waitUntil(FLOW, 'phase Suspended', (f) => f.status?.phase === 'Suspended' && f.status.replicas === 0);
  await flows.patchSpec(FLOW, { suspend: false });
  await flows.waitRolledOut(FLOW, 3, 90_000);
  await flows.waitUntil(FLOW, 'phase Running after resume', (f) => f.status?.phase === 'Running' && f.status.replicas === 3);

  // 8. Deleting the DataFlow garbage-collects every child (owner references).
  const flow = await flows.get(FLOW);
  const children = await flows.ownedChildren(flow.metadata.uid ?? '');
  for (const kind of ['Deployment/df-orders', 'ConfigMap/df-orders-config', 'ServiceAccount/df-orders-worker', 'Role/df-orders-worker', 'RoleBinding/df-orders-worker']) {
    assert.ok(children.includes(kind), `${kind} is owned by the flow (owned: ${children.join(', ')})`);
  }
  await flows.delete(FLOW);
  await waitFor('every child of the deleted flow to be garbage-collected', async () => {
    for (const child of children) if (!(await flows.childGone(child))) return false;
    return (await flows.allPods(FLOW)).length === 0;
  }, { timeoutMs: 60_000 });
  assert.ok(operator.running(), 'the operator is still running');
});
