// How the worker authenticates to Trino (upstream-reference.md §1.5.4, bugs of §9 item 14 and 31
// fixed): basic (`X-Trino-User`, with a password as HTTP basic auth), a static bearer token, or a
// Keycloak token from the password grant (refreshed with the refresh token) or the client
// credentials grant. The token is fetched at open, so wrong credentials fail start-up with a clear
// message; it is renewed before 80 % of its lifetime has passed and once more after a 401. Form
// bodies are URL-encoded.
import type { ConnectionOptions } from 'node:tls';
import { ConfigError, ConnectionError, DataflowError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import type { KeycloakSettings, TrinoConnectionSettings } from './config.js';
import { DEFAULT_TRINO_USER, resolveOptional } from './config.js';
import { send } from './http.js';

export interface TrinoAuth {
  /** Headers for the next request; renews a token that is due first. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** After a 401: true when fresh credentials were obtained, so the request may be sent once more. */
  renewAfterRejection(signal?: AbortSignal): Promise<boolean>;
  /** For messages: "basic user x", "keycloak password grant (client ci-app)". */
  readonly description: string;
}

export interface KeycloakOptions {
  /** Share of `expires_in` after which the token is renewed (default 0.8). */
  readonly refreshRatio?: number;
  /** Renew a token older than this whatever its lifetime (tests use it to force renewals mid-stream). */
  readonly maxTokenAgeMs?: number;
  readonly requestTimeoutMs?: number;
  /** TLS options for an https Keycloak; absent = the system trust store. */
  readonly tls?: ConnectionOptions;
  readonly now?: () => number;
  /** Called with the grant type after every token Keycloak issued (metrics, tests). */
  readonly onTokenIssued?: (grantType: string) => void;
}

const DEFAULT_REFRESH_RATIO = 0.8;
const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;

/** Resolves the credentials and, for a Keycloak grant, fetches the first token. */
export async function createTrinoAuth(
  settings: TrinoConnectionSettings,
  secrets: SecretReader,
  owner: string,
  options: KeycloakOptions = {},
): Promise<TrinoAuth> {
  const user = await resolveOptional(settings.user, secrets, owner, 'user');
  if (settings.keycloak === undefined) {
    const password = await resolveOptional(settings.password, secrets, owner, 'password');
    return basicAuth(user ?? DEFAULT_TRINO_USER, password);
  }
  // With a bearer token Trino takes the user from the token; X-Trino-User only when configured
  // (a different user needs impersonation rights).
  const userHeader: Record<string, string> = user === undefined ? {} : { 'X-Trino-User': user };
  const kc = await resolveKeycloak(settings.keycloak, secrets, owner);
  if (kc.token !== undefined) return staticToken(kc.token, userHeader);
  const grant = new KeycloakGrant(kc, userHeader, owner, options);
  await grant.start();
  return grant;
}

function basicAuth(user: string, password: string | undefined): TrinoAuth {
  const headers: Record<string, string> = { 'X-Trino-User': user };
  if (password !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  return {
    headers: () => Promise.resolve(headers),
    renewAfterRejection: () => Promise.resolve(false),
    description: password === undefined ? `user ${user}` : `basic authentication as ${user}`,
  };
}

function staticToken(token: string, userHeader: Record<string, string>): TrinoAuth {
  const headers = { ...userHeader, Authorization: `Bearer ${token}` };
  return {
    headers: () => Promise.resolve(headers),
    renewAfterRejection: () => Promise.resolve(false),
    description: 'the static keycloak.token',
  };
}

interface ResolvedKeycloak {
  readonly serverURL?: string;
  readonly realm?: string;
  readonly clientID?: string;
  readonly clientSecret?: string;
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
}

async function resolveKeycloak(settings: KeycloakSettings, secrets: SecretReader, owner: string): Promise<ResolvedKeycloak> {
  const out: Record<string, string> = {};
  for (const [name, source] of Object.entries(settings) as [keyof KeycloakSettings, KeycloakSettings[keyof KeycloakSettings]][]) {
    const value = await resolveOptional(source, secrets, owner, `keycloak.${name}`);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

interface TokenResponse {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/** Password or client-credentials grant against a Keycloak realm's token endpoint. */
class KeycloakGrant implements TrinoAuth {
  readonly description: string;
  private readonly kc: ResolvedKeycloak;
  private readonly userHeader: Record<string, string>;
  private readonly owner: string;
  private readonly endpoint: string;
  private readonly refreshRatio: number;
  private readonly maxTokenAgeMs: number;
  private readonly timeoutMs: number;
  private readonly tls: ConnectionOptions | undefined;
  private readonly now: () => number;
  private readonly onTokenIssued: ((grantType: string) => void) | undefined;
  private accessToken = '';
  private refreshToken: string | undefined;
  private renewAt = 0;
  private renewing: Promise<void> | undefined;

  constructor(kc: ResolvedKeycloak, userHeader: Record<string, string>, owner: string, options: KeycloakOptions) {
    this.kc = kc;
    this.userHeader = userHeader;
    this.owner = owner;
    const base = (kc.serverURL ?? '').replace(/\/+$/, '');
    this.endpoint = `${base}/realms/${encodeURIComponent(kc.realm ?? '')}/protocol/openid-connect/token`;
    this.refreshRatio = options.refreshRatio ?? DEFAULT_REFRESH_RATIO;
    this.maxTokenAgeMs = options.maxTokenAgeMs ?? Number.POSITIVE_INFINITY;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
    this.tls = options.tls;
    this.now = options.now ?? Date.now;
    this.onTokenIssued = options.onTokenIssued;
    this.description = `keycloak ${kc.username === undefined ? 'client credentials' : 'password'} grant (client ${kc.clientID ?? ''})`;
  }

  async start(): Promise<void> {
    await this.grant(this.initialGrantForm());
  }

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    if (this.now() >= this.renewAt) await this.renew(signal);
    return { ...this.userHeader, Authorization: `Bearer ${this.accessToken}` };
  }

  async renewAfterRejection(signal?: AbortSignal): Promise<boolean> {
    await this.renew(signal);
    return true;
  }

  /** One renewal at a time; concurrent callers share it. */
  private renew(signal?: AbortSignal): Promise<void> {
    this.renewing ??= this.renewOnce(signal).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(signal?: AbortSignal): Promise<void> {
    if (this.refreshToken !== undefined) {
      const form = this.clientForm('refresh_token');
      form.set('refresh_token', this.refreshToken);
      try {
        await this.grant(form, signal);
        return;
      } catch (error) {
        // An expired or revoked refresh token: start over with the original grant below.
        if (!(error instanceof ConfigError)) throw error;
        this.refreshToken = undefined;
      }
    }
    await this.grant(this.initialGrantForm(), signal);
  }

  private initialGrantForm(): URLSearchParams {
    if (this.kc.username !== undefined) {
      const form = this.clientForm('password');
      form.set('username', this.kc.username);
      form.set('password', this.kc.password ?? '');
      return form;
    }
    return this.clientForm('client_credentials');
  }

  private clientForm(grantType: string): URLSearchParams {
    const form = new URLSearchParams({ grant_type: grantType, client_id: this.kc.clientID ?? '' });
    if (this.kc.clientSecret !== undefined) form.set('client_secret', this.kc.clientSecret);
    return form;
  }

  private async grant(form: URLSearchParams, signal?: AbortSignal): Promise<void> {
    const grantType = form.get('grant_type') ?? '';
    const requestedAt = this.now();
    let status: number;
    let body: string;
    try {
      const res = await send({
        method: 'POST',
        url: this.endpoint,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        timeoutMs: this.timeoutMs,
        ...(this.tls === undefined ? {} : { tls: this.tls }),
        ...(signal === undefined ? {} : { signal }),
      });
      status = res.status;
      body = res.body;
    } catch (error) {
      if (error instanceof DataflowError) throw new ConnectionError(`${this.owner}: keycloak token endpoint ${this.endpoint} unreachable: ${error.message}`, { cause: error });
      throw error;
    }
    let parsed: TokenResponse = {};
    try {
      parsed = JSON.parse(body) as TokenResponse;
    } catch {
      // Not JSON (a proxy error page): reported by status below.
    }
    if (status >= 500 || status === 429) {
      throw new ConnectionError(`${this.owner}: keycloak token endpoint answered HTTP ${status} to the ${grantType} grant`);
    }
    if (status !== 200 || typeof parsed.access_token !== 'string') {
      throw new ConfigError(`${this.owner}: keycloak refused the ${grantType} grant of ${this.description}: HTTP ${status} ${describeTokenError(parsed)}${hintFor(parsed, grantType)}`);
    }
    this.accessToken = parsed.access_token;
    if (typeof parsed.refresh_token === 'string') this.refreshToken = parsed.refresh_token;
    const lifetimeMs = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in * 1000 : 60_000;
    this.renewAt = requestedAt + Math.min(lifetimeMs * this.refreshRatio, this.maxTokenAgeMs);
    this.onTokenIssued?.(grantType);
  }
}

function describeTokenError(parsed: TokenResponse): string {
  const code = typeof parsed.error === 'string' ? parsed.error : 'error';
  const text = typeof parsed.error_description === 'string' ? `: ${parsed.error_description}` : '';
  return `(${code}${text})`;
}

function hintFor(parsed: TokenResponse, grantType: string): string {
  const description = typeof parsed.error_description === 'string' ? parsed.error_description : '';
  if (parsed.error === 'invalid_client' || (parsed.error === 'unauthorized_client' && /credentials/i.test(description))) {
    return ' — check keycloak.clientID and keycloak.clientSecret';
  }
  if (grantType === 'password' && parsed.error === 'invalid_grant') return ' — check keycloak.username and keycloak.password';
  return '';
}
