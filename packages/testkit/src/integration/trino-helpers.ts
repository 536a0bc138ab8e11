// Shared set-up of the Trino integration tests: service addresses, a raw statement helper over
// plain HTTP (independent of the connector under test), Keycloak token fetches and unique names.
import { readFileSync } from 'node:fs';
import { requireService, testServices } from '../services.js';

export const services = testServices();

async function selectOne(): Promise<void> {
  await trinoRows('SELECT 1');
}

export function trinoAvailable(): Promise<boolean> {
  return requireService('trino', selectOne, { address: services.trinoUrl, timeoutMs: 15_000 });
}

/** Trino over HTTPS with JWT and Keycloak: both must answer. */
export async function trinoJwtAvailable(): Promise<boolean> {
  const probe = async (): Promise<void> => {
    const response = await fetch(`${services.keycloakUrl}/realms/${services.keycloakRealm}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`keycloak answered ${response.status}`);
    readFileSync(services.trinoCa);
  };
  return requireService('keycloak + trino https', probe, { address: `${services.keycloakUrl}, ${services.trinoHttpsUrl}` });
}

export function trinoCa(): Buffer {
  return readFileSync(services.trinoCa);
}

/** Runs one statement as user `ci` over plain HTTP and returns its rows (arrays). */
export async function trinoRows(sql: string): Promise<unknown[][]> {
  const headers = { 'X-Trino-User': 'ci', 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME' };
  let response = await fetch(`${services.trinoUrl}/v1/statement`, { method: 'POST', body: sql, headers, signal: AbortSignal.timeout(30_000) });
  const rows: unknown[][] = [];
  for (;;) {
    if (!response.ok) throw new Error(`Trino answered ${response.status} to ${sql.slice(0, 80)}`);
    const body = (await response.json()) as { nextUri?: string; data?: unknown[][]; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`Trino refused ${sql.slice(0, 80)}: ${body.error.message}`);
    if (body.data !== undefined) rows.push(...body.data);
    if (body.nextUri === undefined) return rows;
    await new Promise((resolve) => setTimeout(resolve, 20));
    response = await fetch(body.nextUri, { headers, signal: AbortSignal.timeout(30_000) });
  }
}

/** An access token straight from Keycloak (password grant of the test user on the confidential client). */
export async function passwordGrantToken(): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'password',
    client_id: services.keycloakClientId,
    client_secret: services.keycloakClientSecret,
    username: services.keycloakUser,
    password: services.keycloakPassword,
  });
  const response = await fetch(services.keycloakTokenUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || body.access_token === undefined) throw new Error(`keycloak refused the password grant: HTTP ${response.status}`);
  return body.access_token;
}

let counter = 0;
export function uniqueTable(prefix: string): string {
  counter++;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** Connector config of a table in the memory catalog over plain HTTP. */
export function memoryConfig(table: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { serverURL: services.trinoUrl, catalog: 'memory', schema: 'default', table, user: 'ci', ...extra };
}
