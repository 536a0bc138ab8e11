// Keycloak grants against a scripted token endpoint: URL-encoded forms, renewal at 80 % of the
// lifetime with the refresh token, falling back to the original grant when the refresh token is
// refused, and start-up failing clearly on a wrong client secret.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import { createTrinoAuth } from './auth.js';
import { parseTrinoSinkConfig } from './config.js';

let server: Server;
let base = '';
let forms: URLSearchParams[] = [];
let respond: (form: URLSearchParams) => { status: number; body: unknown } = () => ({ status: 500, body: {} });
const noSecrets: SecretReader = { read: () => Promise.reject(new Error('no secrets')) };

function settings(keycloak: Record<string, unknown>, extra: Record<string, unknown> = {}): ReturnType<typeof parseTrinoSinkConfig> {
  return parseTrinoSinkConfig({ serverURL: 'https://trino:8443', catalog: 'c', schema: 's', table: 't', keycloak: { serverURL: `${base}/`, realm: 'ci', ...keycloak }, ...extra });
}

void describe('trino keycloak auth', () => {
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        assert.equal(req.url, '/realms/ci/protocol/openid-connect/token');
        assert.equal(req.headers['content-type'], 'application/x-www-form-urlencoded');
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        forms.push(form);
        const { status, body } = respond(form);
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  void it('sends URL-encoded password grants and renews with the refresh token at 80 % of the lifetime', async () => {
    forms = [];
    let n = 0;
    respond = () => ({ status: 200, body: { access_token: `a${++n}`, refresh_token: `r${n}`, expires_in: 100 } });
    let now = 1_000_000;
    const kc = { clientID: 'app', clientSecret: 's&c=ret', username: 'al ice', password: 'p+w&x=1' };
    const auth = await createTrinoAuth(settings(kc), noSecrets, 'test', { now: () => now });
    assert.deepEqual(Object.fromEntries(forms[0] ?? []), { grant_type: 'password', client_id: 'app', client_secret: 's&c=ret', username: 'al ice', password: 'p+w&x=1' });
    assert.deepEqual(await auth.headers(), { Authorization: 'Bearer a1' });
    now += 79_000;
    assert.deepEqual(await auth.headers(), { Authorization: 'Bearer a1' }, 'not yet due');
    now += 2_000;
    assert.deepEqual(await auth.headers(), { Authorization: 'Bearer a2' });
    assert.deepEqual(Object.fromEntries(forms[1] ?? []), { grant_type: 'refresh_token', client_id: 'app', client_secret: 's&c=ret', refresh_token: 'r1' });
  });

  void it('falls back to the original grant when the refresh token is refused, and renews after a 401', async () => {
    forms = [];
    respond = (form) =>
      form.get('grant_type') === 'refresh_token'
        ? { status: 400, body: { error: 'invalid_grant', error_description: 'Session not active' } }
        : { status: 200, body: { access_token: `c${forms.length}`, refresh_token: 'r', expires_in: 300 } };
    const auth = await createTrinoAuth(settings({ clientID: 'app', username: 'u', password: 'p' }, { user: 'override' }), noSecrets, 'test');
    assert.deepEqual(await auth.headers(), { 'X-Trino-User': 'override', Authorization: 'Bearer c1' });
    assert.equal(await auth.renewAfterRejection(), true);
    assert.deepEqual(forms.map((f) => f.get('grant_type')), ['password', 'refresh_token', 'password']);
    assert.deepEqual(await auth.headers(), { 'X-Trino-User': 'override', Authorization: 'Bearer c3' });
  });

  void it('fails start-up with a ConfigError naming the client secret when Keycloak refuses the client', async () => {
    respond = () => ({ status: 401, body: { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' } });
    await assert.rejects(createTrinoAuth(settings({ clientID: 'app', clientSecret: 'wrong' }), noSecrets, 'trino sink'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /trino sink: keycloak refused the client_credentials grant .*HTTP 401 \(unauthorized_client: Invalid client or Invalid client credentials\) — check keycloak\.clientID and keycloak\.clientSecret/);
      return true;
    });
  });

  void it('reads a static token from a Secret and uses basic X-Trino-User without keycloak', async () => {
    const secrets: SecretReader = { read: ({ name, key }) => Promise.resolve(`${name}/${key}-value\n`) };
    const tokenAuth = await createTrinoAuth(settings({ tokenSecretRef: { name: 'tok', key: 'jwt' } }), secrets, 'test');
    assert.deepEqual(await tokenAuth.headers(), { Authorization: 'Bearer tok/jwt-value' });
    assert.equal(await tokenAuth.renewAfterRejection(), false);
    const basic = await createTrinoAuth(parseTrinoSinkConfig({ serverURL: 'http://t', catalog: 'c', schema: 's', table: 't' }), noSecrets, 'test');
    assert.deepEqual(await basic.headers(), { 'X-Trino-User': 'dataflow-operator' });
  });

  void it('rejects incomplete keycloak settings at parse time, naming the field', () => {
    assert.throws(() => settings({ clientID: 'app' }), /config\.keycloak needs token, username and password \(password grant\) or clientSecret/);
    assert.throws(() => settings({ clientID: 'app', username: 'u' }), /needs both username and password/);
    assert.throws(() => settings({ username: 'u', password: 'p' }), /config\.keycloak\.clientID must be set/);
    assert.throws(() => settings({ token: 't' }, { password: 'x' }), /keycloak and password are both set/);
  });
});
