// Kafka → Trino over HTTPS with Keycloak tokens, through the REAL worker process: a client whose
// tokens live 5 s (renewed mid-stream), the user's session revoked mid-stream (the worker logs in
// again) and the client disabled (the worker stops with the reason; re-enabled, a restart finishes
// the stream). The client and user are made with the Keycloak admin API (keycloak-admin.ts) and
// removed after. Row counts prove nothing was lost or duplicated.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { serviceSkipReason } from '../services.js';
import { waitFor } from '../wait-for.js';
import { SINK_BATCH_SIZE, SteadyProducer, exitWithin, failWith, numberedRow, orFailWith, withWorker } from './failure-harness.js';
import { createTopic, kafkaAvailable, produce, uniqueName as uniqueTopic } from './kafka-helpers.js';
import { KeycloakAdmin } from './keycloak-admin.js';
import { postgresAvailable, uniqueFlow } from './postgresql-helpers.js';
import { TrinoTestTables, flowSpec, rowStats, sinkConfig, waitForAllIds } from './trino-failure-helpers.js';
import type { Where } from './trino-failure-helpers.js';
import { services, trinoAvailable, trinoJwtAvailable } from './trino-helpers.js';

const available = (await kafkaAvailable()) && (await postgresAvailable()) && (await trinoAvailable()) && (await trinoJwtAvailable());

if (!available) {
  void it('kafka → trino token failure tests', (t) => t.skip(serviceSkipReason('kafka, trino https, keycloak', `${services.kafkaBrokers}, ${services.trinoHttpsUrl}, ${services.keycloakUrl}`)));
} else {
  void describe('kafka → trino with keycloak tokens that expire, are revoked, or whose client is disabled', { timeout: 170_000 }, () => {
    const tables = new TrinoTestTables();
    after(() => tables.drop());
    const memoryTable = (prefix: string): Promise<Where> => tables.memory(prefix);
    const clientId = `h3-short-lived-${process.pid}`;
    const clientSecret = `h3-secret-${process.pid}`;
    const username = `h3-user-${process.pid}`;
    const password = `h3-pw-${process.pid}`;
    const lifespanSeconds = 5;
    let admin: KeycloakAdmin | undefined;
    let clientUuid = '';
    let userId = '';
    after(async () => {
      if (admin === undefined) return;
      if (clientUuid !== '') await admin.deleteClient(clientUuid);
      if (userId !== '') await admin.deleteUser(userId);
    });
    async function setUp(): Promise<KeycloakAdmin> {
      if (admin !== undefined) return admin;
      admin = await KeycloakAdmin.connect();
      clientUuid = await admin.createShortLivedClient(clientId, clientSecret, lifespanSeconds);
      userId = await admin.createUser(username, password);
      return admin;
    }
    function httpsSink(where: Where): Record<string, unknown> {
      const { user: _user, ...plain } = sinkConfig(where, { serverURL: services.trinoHttpsUrl, tls: { caFile: services.trinoCa }, batchSize: 200 });
      return { ...plain, keycloak: { serverURL: services.keycloakUrl, realm: services.keycloakRealm, clientID: clientId, clientSecret, username, password } };
    }

    void it(`tokens living ${lifespanSeconds} s are renewed mid-stream and a revoked session is replaced: no loss, no duplicate`, async () => {
      const kc = await setUp();
      const topic = uniqueTopic('h3-trino-token');
      await createTopic(topic, 2);
      const where = await memoryTable('h3_trino_token');
      const producer = new SteadyProducer([topic], 20, 200);
      await producer.start();
      try {
        await withWorker(flowSpec(topic, httpsSink(where)), uniqueFlow('h3-trino-token'), async (start) => {
          const worker = start();
          const startedAt = performance.now();
          await orFailWith(worker, waitFor(async () => (await rowStats(where)).rows > 0, { timeoutMs: 30_000, intervalMs: 250, what: 'rows over HTTPS with the short-lived token' }));
          // Four lifespans: every token the worker started with has long expired at Trino.
          await delay(4 * lifespanSeconds * 1000);
          const beforeRevoke = (await rowStats(where)).rows;
          assert.ok(await kc.sessionCount(userId) >= 1, 'the worker holds a Keycloak session');
          await kc.logoutUser(userId);
          await delay(3 * lifespanSeconds * 1000);
          const total = await producer.stop();
          await orFailWith(worker, waitForAllIds(where, total, 30_000, 'every id after token renewals and the revoked session'));
          assert.ok((await rowStats(where)).rows > beforeRevoke, 'rows were written after the session was revoked');
          assert.ok(await kc.sessionCount(userId) >= 1, 'the worker logged in again after its session was revoked');
          assert.ok(worker.running, 'the worker renewed its credentials by itself');
          assert.deepEqual(await worker.stop('SIGTERM'), { code: 0, signal: null });
          assert.deepEqual(await rowStats(where), { rows: total, ids: total }, 'every id exactly once');
          process.stderr.write(`# trino tokens: ${total} rows over ${((performance.now() - startedAt) / 1000).toFixed(0)} s with ${lifespanSeconds} s tokens and one revoked session\n`);
        });
      } finally {
        await producer.stop();
      }
    });

    void it('a disabled client: the worker stops with a clear message, loses nothing, and a restart after re-enabling finishes the stream', async () => {
      const kc = await setUp();
      const topic = uniqueTopic('h3-trino-disabled');
      await createTopic(topic, 1);
      const where = await memoryTable('h3_trino_disabled');
      const n = 400;
      await produce(topic, Array.from({ length: n / 2 }, (_, i) => numberedRow(i)));
      await withWorker(flowSpec(topic, httpsSink(where)), uniqueFlow('h3-trino-disabled'), async (start) => {
        const first = start();
        await orFailWith(first, waitFor(async () => (await rowStats(where)).rows === n / 2, { timeoutMs: 30_000, intervalMs: 250, what: 'the first half' }));
        await kc.setClientEnabled(clientUuid, false);
        try {
          await kc.logoutUser(userId);
          // Once the last token expired, the next batch needs a new one.
          await delay((lifespanSeconds + 1) * 1000);
          await produce(topic, Array.from({ length: n / 2 }, (_, i) => numberedRow(n / 2 + i)));
          const exit = await exitWithin(first, 30_000);
          if (exit === undefined) {
            // A product that keeps retrying must do so visibly and without writing.
            const refusals = first.lines.filter((line) => /keycloak refused/i.test(line));
            if (refusals.length === 0) failWith(first, 'the worker neither stopped nor said that Keycloak refuses it');
            assert.ok(refusals.length <= 15, `${refusals.length} refusals in 30 s is a hot loop`);
          } else {
            assert.equal(exit.code, 1, 'a flow that cannot authenticate exits 1');
            const failure = first.lines.find((line) => line.includes('flow failed'));
            if (failure === undefined) failWith(first, 'no "flow failed" line');
            assert.match(failure, new RegExp(`keycloak refused the \\w+ grant .*client ${clientId}.*(invalid_client|unauthorized_client)`));
          }
          assert.ok((await rowStats(where)).rows <= n, 'nothing written twice while refused');
        } finally {
          await kc.setClientEnabled(clientUuid, true);
        }
        await first.stop('SIGTERM');
        const second = start();
        await orFailWith(second, waitForAllIds(where, n, 30_000, 'the second half after the client was enabled again'));
        assert.deepEqual(await second.stop('SIGTERM'), { code: 0, signal: null });
        const stats = await rowStats(where);
        assert.equal(stats.ids, n, 'no id lost');
        assert.ok(stats.rows - n <= SINK_BATCH_SIZE, `${stats.rows - n} duplicates after the stop`);
        process.stderr.write(`# trino disabled client: ${first.running ? 'kept retrying' : 'stopped'}; ${stats.rows} rows for ${n} ids after the restart\n`);
      });
    });
  });
}
