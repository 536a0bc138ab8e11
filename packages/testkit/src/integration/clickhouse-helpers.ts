// Shared set-up of the ClickHouse integration tests: the service address, a raw HTTP query helper
// (independent of the connector under test) and unique table names.
import { testServices, requireService } from '../services.js';

export const services = testServices();

/** The connection string the connectors get: the URL with the database as path. */
export const connectionString = `${services.clickhouseUrl.replace(/\/$/, '')}/${services.clickhouseDatabase}`;

export const credentials = { user: services.clickhouseUser, password: services.clickhousePassword };

async function ping(): Promise<void> {
  const response = await fetch(`${services.clickhouseUrl}/ping`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET /ping answered ${response.status}`);
}

export function clickhouseAvailable(): Promise<boolean> {
  return requireService('clickhouse', ping, { address: services.clickhouseUrl });
}

/** Runs one statement over HTTP as the test user; returns the response text. */
export async function chQuery(sql: string): Promise<string> {
  const url = new URL(services.clickhouseUrl);
  url.searchParams.set('database', services.clickhouseDatabase);
  const response = await fetch(url, {
    method: 'POST',
    body: sql,
    headers: { 'X-ClickHouse-User': services.clickhouseUser, 'X-ClickHouse-Key': services.clickhousePassword },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse refused ${sql.slice(0, 80)}: ${text}`);
  return text;
}

/** Rows of a SELECT as objects (JSONEachRow). */
export async function chRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const text = await chQuery(`${sql} FORMAT JSONEachRow`);
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function chCount(table: string, final = false): Promise<number> {
  return Number((await chQuery(`SELECT count() FROM ${table}${final ? ' FINAL' : ''}`)).trim());
}

let counter = 0;
export function uniqueTable(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}
