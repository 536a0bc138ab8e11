// The authenticated Trino client that the source and the sink both open: connection values read
// literally or from Secrets, TLS material from `tls` (Trino) and `keycloak.tls` (the token endpoint)
// — each verified against the system trust store when its block is absent — and, for a Keycloak
// grant, the first token, so wrong credentials fail start-up.
import type { ConnectionOptions } from 'node:tls';
import type { SecretReader } from '../../plugin.js';
import { Section } from '../config-section.js';
import { resolveValue } from '../polling/config.js';
import { loadTls, tlsConnectionOptions } from '../tls.js';
import type { KeycloakOptions, TrinoAuth } from './auth.js';
import { createTrinoAuth } from './auth.js';
import { TrinoClient } from './client.js';
import type { TrinoConnectionSettings } from './config.js';
import { resolveOptional } from './config.js';

export interface TrinoConnectionOptions {
  readonly keycloak?: KeycloakOptions;
  readonly pollBackoffMs?: { readonly initial: number; readonly max: number };
}

export interface TrinoConnection {
  readonly client: TrinoClient;
  readonly auth: TrinoAuth;
  readonly catalog: string;
  readonly schema: string;
  readonly table?: string;
}

export async function connectTrino(
  settings: TrinoConnectionSettings,
  secrets: SecretReader,
  owner: string,
  options: TrinoConnectionOptions,
): Promise<TrinoConnection> {
  const serverURL = await resolveValue(settings.serverURL, secrets, owner, 'serverURL');
  const catalog = await resolveValue(settings.catalog, secrets, owner, 'catalog');
  const schema = await resolveValue(settings.schema, secrets, owner, 'schema');
  const table = await resolveOptional(settings.table, secrets, owner, 'table');
  const tls = await loadTlsOptions(settings.tls, secrets, owner, 'tls');
  const keycloakTls = await loadTlsOptions(settings.keycloakTls, secrets, owner, 'keycloak.tls');
  const auth = await createTrinoAuth(settings, secrets, owner, { ...options.keycloak, ...(keycloakTls === undefined ? {} : { tls: keycloakTls }) });
  const client = new TrinoClient({
    serverURL,
    catalog,
    schema,
    auth,
    ...(settings.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: settings.queryTimeoutMs }),
    ...(tls === undefined ? {} : { tls }),
    ...(options.pollBackoffMs === undefined ? {} : { pollBackoffMs: options.pollBackoffMs }),
  });
  return { client, auth, catalog, schema, ...(table === undefined ? {} : { table }) };
}

async function loadTlsOptions(
  block: Record<string, unknown> | undefined,
  secrets: SecretReader,
  owner: string,
  path: string,
): Promise<ConnectionOptions | undefined> {
  if (block === undefined) return undefined;
  return tlsConnectionOptions(await loadTls(new Section(block, owner, path), secrets));
}
