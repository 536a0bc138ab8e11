// One HTTP client per connector, with the settings every request needs and the server version read
// once at open. Errors leave this file translated (errors.ts); the client's own error logging is off
// because the runtime decides what is worth logging.
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { ConfigError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import type { ClickHouseConnectionSettings } from './config.js';
import { resolveValue } from '../polling/config.js';
import { translateClickHouseError } from './errors.js';
import type { ServerVersion } from './version.js';
import { parseServerVersion } from './version.js';

export interface ColumnMeta {
  readonly name: string;
  readonly type: string;
}

export interface JsonResult {
  readonly meta: readonly ColumnMeta[];
  readonly data: ReadonlyArray<Record<string, unknown>>;
}

export interface ClickHouseSessionOptions {
  readonly requestTimeoutMs?: number;
  readonly application?: string;
}

export class ClickHouseSession {
  readonly client: ClickHouseClient;
  readonly version: ServerVersion;

  private constructor(client: ClickHouseClient, version: ServerVersion) {
    this.client = client;
    this.version = version;
  }

  /** Resolves the connection settings, connects and reads `version()`; failures are translated. */
  static async open(settings: ClickHouseConnectionSettings, secrets: SecretReader, owner: string, signal: AbortSignal, options: ClickHouseSessionOptions = {}): Promise<ClickHouseSession> {
    const urlText = await resolveValue(settings.connectionString, secrets, owner, 'connectionString');
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw new ConfigError(`${owner}: config.connectionString is not a URL (expected e.g. http://clickhouse:8123/analytics)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${owner}: config.connectionString must use http:// or https://, got ${url.protocol}`);
    const user = settings.user === undefined ? decodeURIComponent(url.username) || 'default' : await resolveValue(settings.user, secrets, owner, 'user');
    const password = settings.password === undefined ? decodeURIComponent(url.password) : await resolveValue(settings.password, secrets, owner, 'password');
    url.username = '';
    url.password = '';
    const client = createClient({
      url,
      username: user,
      password,
      request_timeout: options.requestTimeoutMs ?? 30_000,
      application: options.application ?? 'dataflow',
      log: { level: ClickHouseLogLevel.OFF },
    });
    try {
      const result = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow', abort_signal: signal });
      const rows = await result.json<{ v: string }>();
      const version = parseServerVersion(rows[0]?.v ?? '');
      return new ClickHouseSession(client, version);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw translateClickHouseError(error, `${owner} cannot connect to ${url.host}`);
    }
  }

  /** Runs a SELECT and returns its column types and rows (64-bit integers arrive as strings). */
  async queryJson(query: string, signal: AbortSignal, params?: Record<string, unknown>): Promise<JsonResult> {
    const result = await this.client.query({ query, format: 'JSON', abort_signal: signal, ...(params === undefined ? {} : { query_params: params }) });
    const body = await result.json<Record<string, unknown>>();
    return { meta: body.meta ?? [], data: body.data };
  }

  async command(query: string, signal: AbortSignal): Promise<void> {
    await this.client.command({ query, abort_signal: signal });
  }

  async insertJsonEachRow(table: string, rows: readonly object[], settings: ClickHouseSettings, signal: AbortSignal): Promise<void> {
    await this.client.insert({ table, values: rows as object[], format: 'JSONEachRow', clickhouse_settings: settings, abort_signal: signal });
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
