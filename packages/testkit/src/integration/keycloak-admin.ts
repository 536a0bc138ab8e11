// The Keycloak admin REST API for token-failure tests: a client whose access tokens live a few
// seconds, a user of its own (so logging it out touches no other test), sessions revoked and the
// client disabled mid-stream. The test realm file has no admin: a dev-mode Keycloak (in-memory
// database, scripts/services/keycloak.sh) offers the creation of the first admin on its welcome
// page to local requests, which is done once here; a Keycloak with an admin already set up is used
// through DATAFLOW_TEST_KEYCLOAK_ADMIN / DATAFLOW_TEST_KEYCLOAK_ADMIN_PASSWORD.
import { services } from './trino-helpers.js';

const ADMIN_USER = process.env['DATAFLOW_TEST_KEYCLOAK_ADMIN'] ?? 'dataflow-test-admin';
const ADMIN_PASSWORD = process.env['DATAFLOW_TEST_KEYCLOAK_ADMIN_PASSWORD'] ?? 'dataflow-test-admin-pw';
const base = services.keycloakUrl.replace(/\/+$/, '');
const realmApi = `${base}/admin/realms/${encodeURIComponent(services.keycloakRealm)}`;

async function adminToken(): Promise<string | undefined> {
  const form = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: ADMIN_USER, password: ADMIN_PASSWORD });
  const response = await fetch(`${base}/realms/master/protocol/openid-connect/token`, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) return undefined;
  return ((await response.json()) as { access_token?: string }).access_token;
}

/** Creates the first admin through the welcome page (dev mode, local requests only). */
async function createAdminOnWelcomePage(): Promise<void> {
  const page = await fetch(`${base}/`, { signal: AbortSignal.timeout(10_000) });
  const html = await page.text();
  const state = /name="stateChecker"[^>]*value="([^"]+)"/.exec(html)?.[1];
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (state === undefined) throw new Error(`the Keycloak at ${base} has an admin already: set DATAFLOW_TEST_KEYCLOAK_ADMIN and DATAFLOW_TEST_KEYCLOAK_ADMIN_PASSWORD`);
  const form = new URLSearchParams({ username: ADMIN_USER, password: ADMIN_PASSWORD, passwordConfirmation: ADMIN_PASSWORD, stateChecker: state });
  const response = await fetch(`${base}/`, { method: 'POST', body: form, headers: { Cookie: cookie }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  if (response.status >= 400) throw new Error(`Keycloak's welcome page refused to create the test admin: HTTP ${response.status}`);
}

export class KeycloakAdmin {
  private token: string;

  private constructor(token: string) {
    this.token = token;
  }

  static async connect(): Promise<KeycloakAdmin> {
    let token = await adminToken();
    if (token === undefined) {
      await createAdminOnWelcomePage();
      token = await adminToken();
    }
    if (token === undefined) throw new Error(`cannot obtain an admin token from ${base} as ${ADMIN_USER}`);
    return new KeycloakAdmin(token);
  }

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${realmApi}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      // Admin tokens live 60 s: fetch a new one once.
      if (response.status === 401 && attempt === 0) {
        this.token = (await adminToken()) ?? this.token;
        continue;
      }
      if (!response.ok) throw new Error(`Keycloak admin ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
      return response;
    }
  }

  /**
   * A confidential client (password grant + service account) whose access tokens live
   * `lifespanSeconds` and carry the audience `trino`; returns its internal id.
   */
  async createShortLivedClient(clientId: string, secret: string, lifespanSeconds: number): Promise<string> {
    await this.call('POST', '/clients', {
      clientId,
      enabled: true,
      publicClient: false,
      secret,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: true,
      serviceAccountsEnabled: true,
      protocol: 'openid-connect',
      attributes: { 'access.token.lifespan': String(lifespanSeconds) },
      protocolMappers: [
        {
          name: 'audience-trino',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-audience-mapper',
          config: { 'included.custom.audience': 'trino', 'access.token.claim': 'true', 'id.token.claim': 'false' },
        },
      ],
    });
    return this.clientUuid(clientId);
  }

  private async clientUuid(clientId: string): Promise<string> {
    const found = (await (await this.call('GET', `/clients?clientId=${encodeURIComponent(clientId)}`)).json()) as Array<{ id: string }>;
    const id = found[0]?.id;
    if (id === undefined) throw new Error(`Keycloak client ${clientId} not found`);
    return id;
  }

  async setClientEnabled(uuid: string, enabled: boolean): Promise<void> {
    const client = (await (await this.call('GET', `/clients/${uuid}`)).json()) as Record<string, unknown>;
    await this.call('PUT', `/clients/${uuid}`, { ...client, enabled });
  }

  async deleteClient(uuid: string): Promise<void> {
    await this.call('DELETE', `/clients/${uuid}`);
  }

  /** A user with a password; returns its id. */
  async createUser(username: string, password: string): Promise<string> {
    await this.call('POST', '/users', {
      username,
      enabled: true,
      email: `${username}@example.com`,
      emailVerified: true,
      firstName: 'Test',
      lastName: 'User',
      credentials: [{ type: 'password', value: password, temporary: false }],
    });
    const found = (await (await this.call('GET', `/users?exact=true&username=${encodeURIComponent(username)}`)).json()) as Array<{ id: string }>;
    const id = found[0]?.id;
    if (id === undefined) throw new Error(`Keycloak user ${username} not found`);
    return id;
  }

  /** Ends every session of the user: its refresh tokens stop working. */
  async logoutUser(userId: string): Promise<void> {
    await this.call('POST', `/users/${userId}/logout`);
  }

  /** How many sessions the user has now. */
  async sessionCount(userId: string): Promise<number> {
    return ((await (await this.call('GET', `/users/${userId}/sessions`)).json()) as unknown[]).length;
  }

  async deleteUser(userId: string): Promise<void> {
    await this.call('DELETE', `/users/${userId}`);
  }
}
