// Shared pieces of the PostgreSQL integration tests: the service address, an admin client that is
// independent of the connectors under test, unique table names, a capturing logger and a reader
// that behaves like the runtime (retries retriable read errors).
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import type { QueryResultRow } from 'pg';
import type { Logger, Message, Source } from '@dataflow/worker';
import { isRetriable } from '@dataflow/worker';
import { requireService, testServices } from '../services.js';

export const services = testServices();
export const pgUrl = services.pgUrl;

/** The same server with a wrong password. */
export function wrongPasswordUrl(): string {
  const url = new URL(pgUrl);
  url.password = 'definitely-not-the-password';
  return url.toString();
}

async function probe(): Promise<void> {
  const client = new Client({ connectionString: pgUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
}

/** True when the server answers; on CI a missing server throws (the test fails). */
export function postgresAvailable(): Promise<boolean> {
  return requireService('postgresql', probe, { address: new URL(pgUrl).host });
}

/** Runs `body` with a fresh admin connection. */
export async function withAdmin<T>(body: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: pgUrl, application_name: 'dataflow-tests-admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

export async function sql<R extends QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
  return withAdmin(async (client) => (await client.query<R>(text, values)).rows);
}

export async function count(table: string): Promise<number> {
  const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return row?.n ?? -1;
}

let counter = 0;
/** A lower-case, unique table name. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}_${counter}`;
}

/** Flow identity unique per test, so the connectors' application_name finds their backend. */
export function uniqueFlow(prefix: string): { namespace: string; name: string } {
  return { namespace: 'it', name: uniqueName(prefix).replaceAll('_', '-') };
}

/** Terminates the server backends of a flow (its application_name is dataflow-<namespace>-<name>); resolves with how many. */
export async function terminateFlowBackends(flow: { namespace: string; name: string }): Promise<number> {
  const rows = await sql<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
    [`dataflow-${flow.namespace}-${flow.name}`],
  );
  return rows.filter((row) => row.ok).length;
}

export interface CapturedLog {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly obj: object;
}

/** A Logger that keeps what it was given. */
export function capturingLogger(lines: CapturedLog[] = []): Logger & { readonly lines: CapturedLog[] } {
  const at =
    (level: CapturedLog['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, msg: msg ?? '', obj });
    };
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/**
 * Reads until `count` messages arrived, retrying retriable read errors like the runtime does.
 * Returns the messages and how many retriable errors were seen.
 */
export async function readMessages(source: Source, want: number, timeoutMs = 20_000, max = 1000): Promise<{ messages: Message[]; retries: number; batches: number[] }> {
  const messages: Message[] = [];
  const batches: number[] = [];
  let retries = 0;
  const signal = AbortSignal.timeout(timeoutMs);
  while (messages.length < want) {
    if (signal.aborted) throw new Error(`only ${messages.length} of ${want} messages arrived within ${timeoutMs} ms`);
    try {
      const batch = await source.read(max, signal);
      if (batch.length > 0) batches.push(batch.length);
      messages.push(...batch);
    } catch (error) {
      if (!isRetriable(error)) throw error;
      retries++;
      await delay(100);
    }
  }
  return { messages, retries, batches };
}

/** Reads for `ms` and returns whatever arrived (used to prove nothing more comes). */
export async function readFor(source: Source, ms: number): Promise<Message[]> {
  const out: Message[] = [];
  const signal = AbortSignal.timeout(ms);
  while (!signal.aborted) out.push(...(await source.read(1000, signal)));
  return out;
}
