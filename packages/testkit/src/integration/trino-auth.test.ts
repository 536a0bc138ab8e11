// Trino over HTTPS with JWT authentication and Keycloak (realm ci): a static token from a Secret,
// the password grant, client credentials, a wrong client secret failing start-up, a rejected token,
// and tokens renewed mid-stream without losing or duplicating a batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeycloakOptions } from '@dataflow/worker';
import { ConfigError, TrinoAuthError, TrinoClient, TrinoSink, TrinoSource, createTrinoAuth, parseTrinoSinkConfig, parseTrinoSourceConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { makeMessages } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { passwordGrantToken, services, trinoAvailable, trinoCa, trinoJwtAvailable, trinoRows, uniqueTable } from './trino-helpers.js';

const available = (await trinoAvailable()) && (await trinoJwtAvailable());
const timeout = (): AbortSignal => AbortSignal.timeout(60_000);

const passwordGrant = {
  serverURL: services.keycloakUrl,
  realm: services.keycloakRealm,
  clientID: services.keycloakClientId,
  clientSecret: services.keycloakClientSecret,
  username: services.keycloakUser,
  password: services.keycloakPassword,
};
const clientCredentials = {
  serverURL: services.keycloakUrl,
  realm: services.keycloakRealm,
  clientID: services.keycloakClientId,
  clientSecret: services.keycloakClientSecret,
};

function httpsConfig(table: string, keycloak: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { serverURL: services.trinoHttpsUrl, catalog: 'memory', schema: 'default', table, keycloak, tls: { caFile: services.trinoCa }, ...extra };
}

/** `current_user` as Trino sees the credentials of a config. */
async function currentUser(keycloak: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<unknown> {
  const settings = parseTrinoSourceConfig(httpsConfig('unused', keycloak));
  const auth = await createTrinoAuth(settings, testContext({ secrets }).secrets, 'test');
  const client = new TrinoClient({ serverURL: services.trinoHttpsUrl, catalog: 'memory', schema: 'default', auth, tls: { ca: trinoCa() } });
  const result = await client.query('SELECT current_user', 'who am i', timeout());
  await client.close();
  return result.rows[0]?.[0];
}

if (!available) {
  void it('trino JWT integration', (t) => t.skip(serviceSkipReason('trino https + keycloak', `${services.trinoHttpsUrl}, ${services.keycloakUrl}`)));
} else {
  void describe('trino with keycloak tokens', () => {
    void it('refuses a Trino whose certificate the configured CA did not sign, naming the host', async () => {
      const token = await passwordGrantToken();
      const config = httpsConfig('t', { token }, { tls: { caFile: services.kafkaCa } });
      const sink = new TrinoSink(parseTrinoSinkConfig(config), testContext());
      await assert.rejects(sink.open(timeout()), (error: Error) => /127\.0\.0\.1:\d+.*certificate/i.test(error.message));
      await sink.close();
    });

    void it('uses a static token from a Secret (sink writes over HTTPS)', async () => {
      const token = await passwordGrantToken();
      const secrets = { 'trino-token/token': token };
      assert.equal(await currentUser({ tokenSecretRef: { name: 'trino-token', key: 'token' } }, secrets), services.keycloakUser);
      const table = uniqueTable('jwt_static');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, name varchar)`);
      const sink = new TrinoSink(parseTrinoSinkConfig(httpsConfig(table, { tokenSecretRef: { name: 'trino-token', key: 'token' } })), testContext({ secrets }));
      await sink.open(timeout());
      assert.deepEqual((await sink.write(makeMessages([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]), timeout())).failed, []);
      await sink.close();
      assert.deepEqual(await trinoRows(`SELECT id, name FROM memory.default.${table} ORDER BY id`), [[1, 'a'], [2, 'b']]);
    });

    void it('uses the password grant (source reads over HTTPS as the user)', async () => {
      assert.equal(await currentUser(passwordGrant), services.keycloakUser);
      const table = uniqueTable('jwt_src');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, name varchar)`);
      await trinoRows(`INSERT INTO memory.default.${table} VALUES (1, 'x'), (2, 'y')`);
      const source = new TrinoSource(parseTrinoSourceConfig(httpsConfig(table, passwordGrant, { pollInterval: 1 })), testContext());
      await source.open(timeout());
      const read = await source.read(10, timeout());
      assert.deepEqual(read.map((m) => m.value), [{ id: 1, name: 'x' }, { id: 2, name: 'y' }]);
      await source.close();
    });

    void it('uses the client credentials grant (service account)', async () => {
      assert.equal(await currentUser(clientCredentials), `service-account-${services.keycloakClientId}`);
    });

    void it('fails start-up with a clear message on a wrong client secret', async () => {
      const sink = new TrinoSink(parseTrinoSinkConfig(httpsConfig('t', { ...clientCredentials, clientSecret: 'wrong-secret' })), testContext());
      await assert.rejects(sink.open(timeout()), (error: unknown) => {
        assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
        assert.equal(error.retriable, false);
        assert.match(error.message, /keycloak refused the client_credentials grant .*HTTP 401 .*check keycloak\.clientID and keycloak\.clientSecret/);
        return true;
      });
      await sink.close();
    });

    void it('fails with a clear, non-retriable error when Trino rejects the token', async () => {
      const sink = new TrinoSink(parseTrinoSinkConfig(httpsConfig('t', { token: 'not.a.jwt' })), testContext());
      await assert.rejects(sink.open(timeout()), (error: unknown) => {
        assert.ok(error instanceof TrinoAuthError, `a TrinoAuthError, got ${String(error)}`);
        assert.equal(error.retriable, false);
        assert.match(error.message, /Trino rejected the static keycloak\.token \(HTTP 401/);
        return true;
      });
      await sink.close();
    });

    void it('renews tokens mid-stream without losing or duplicating a batch', async () => {
      const table = uniqueTable('jwt_refresh');
      await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, batch integer)`);
      const issued: string[] = [];
      // Tokens are renewed after 300 ms instead of 80 % of Keycloak's 300 s.
      const keycloak: KeycloakOptions = { maxTokenAgeMs: 300, onTokenIssued: (grant) => issued.push(grant) };
      const sink = new TrinoSink(parseTrinoSinkConfig(httpsConfig(table, passwordGrant)), testContext(), { keycloak });
      await sink.open(timeout());
      const batches = 6;
      const perBatch = 50;
      for (let b = 0; b < batches; b++) {
        const values = Array.from({ length: perBatch }, (_, i) => ({ id: b * perBatch + i, batch: b }));
        assert.deepEqual((await sink.write(makeMessages(values, 'p0', b * perBatch), timeout())).failed, []);
        await new Promise((resolve) => setTimeout(resolve, 350));
      }
      await sink.close();
      assert.equal(issued[0], 'password');
      assert.ok(issued.filter((g) => g === 'refresh_token').length >= batches - 1, `tokens issued: ${issued.join(', ')}`);
      assert.deepEqual(await trinoRows(`SELECT count(*), count(DISTINCT id), min(id), max(id) FROM memory.default.${table}`), [
        [batches * perBatch, batches * perBatch, 0, batches * perBatch - 1],
      ]);
    });
  });
}
