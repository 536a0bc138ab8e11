// A worker that cannot do its job (issue 7 item 6): the PostgreSQL password in the flow's Secret is
// wrong, so the worker keeps failing. The flow must turn Degraded with a reason within 30 s — never
// sit in Pending — and the wrong password must not show up in the status or any log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { conditionOf } from '../support/dataflows.js';
import { createTopic, kafkaBrokers, pgUrlFor, query } from '../support/flow-services.js';
import { startOperatorScenario } from '../support/operator-scenario.js';
import { waitFor } from '../support/wait.js';

void test('a worker with a wrong database password makes the flow Degraded with a reason within 30 s', { timeout: 120_000 }, async (t) => {
  const scenario = await startOperatorScenario(t, 'e2e-op-bad', 'e2e_bad');
  if (scenario === undefined) return;
  const { cluster, namespace, operator, flows, names } = scenario;

  await createTopic(names.topic, 1);
  await query(`CREATE TABLE ${names.table} (id integer PRIMARY KEY, name text NOT NULL)`);
  const wrongPassword = `wrong${randomBytes(8).toString('hex')}`;
  await cluster.core.createNamespacedSecret({ namespace, body: { metadata: { name: 'db' }, stringData: { url: pgUrlFor('postgres', wrongPassword) } } });

  const created = Date.now();
  await flows.create('broken', {
    source: { type: 'kafka', config: { brokers: kafkaBrokers, topic: names.topic } },
    sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: 'db', key: 'url' }, table: names.table } },
  });
  const degraded = await flows.waitUntil('broken', 'phase Degraded', (f) => f.status?.phase === 'Degraded', 30_000);
  const tookMs = Date.now() - created;
  t.diagnostic(`Degraded after ${tookMs} ms: ${degraded.status?.message ?? ''}`);
  assert.ok(tookMs <= 30_000);
  const condition = conditionOf(degraded, 'Degraded');
  assert.equal(condition?.status, 'True');
  assert.ok((condition?.reason ?? '') !== '' && condition?.reason !== 'AsExpected', `a reason: ${JSON.stringify(condition)}`);
  assert.match(degraded.status?.message ?? '', /\S/, 'the status says why');
  assert.equal(conditionOf(degraded, 'Ready')?.status, 'False');

  // The worker did try (its log shows the authentication failure) without printing the password.
  const podDirs = (await readdir(join(cluster.runDir, 'pods'))).filter((d) => d.startsWith(`${namespace}_`));
  assert.ok(podDirs.length > 0, 'the worker pod ran');
  const workerLogs = async (): Promise<string> =>
    (await Promise.all(podDirs.map((d) => readFile(join(cluster.runDir, 'pods', d, 'worker.log'), 'utf8').catch(() => '')))).join('\n');
  await waitFor('the authentication failure in the worker log', async () => /password authentication failed/.test(await workerLogs()), { timeoutMs: 10_000 });
  for (const [where, text] of [
    ['worker logs', await workerLogs()],
    ['operator log', await operator.log()],
    ['flow status', JSON.stringify((await flows.get('broken')).status)],
  ] as const) {
    assert.ok(!text.includes(wrongPassword), `the password appears in the ${where}`);
  }
});
