// One PostgreSQL connection per connector, opened lazily and replaced after a failure. The
// connection string may be a URL or a libpq key=value DSN; a DSN is rewritten as a URL so that
// node-postgres applies sslmode, sslrootcert … the same way for both. Every session runs with
// UTC, ISO dates and hex bytea so that values read back are parsed the same way everywhere.
import { Client } from 'pg';
import type { ClientConfig, CustomTypesConfig } from 'pg';
import { ConfigError, DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import type { Logger } from '../../plugin.js';
import { translatePgError } from './errors.js';

export interface ConnectionSettings {
  /** URL (`postgres://…`) or key=value DSN, as configured. */
  readonly connectionString: string;
  /** Sent as application_name unless the connection string sets one (`dataflow-<namespace>-<name>`). */
  readonly applicationName: string;
  /** Type parsers for query results (the source's JSON conversion). */
  readonly types?: CustomTypesConfig;
  /** Give up connecting after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;
const SESSION_SETUP = "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET bytea_output = 'hex'";
const URL_PREFIX = /^postgres(ql)?:\/\//i;

/** The connection string as a URL node-postgres understands (a DSN is converted). */
export function connectionUrl(connectionString: string): string {
  const text = connectionString.trim();
  if (URL_PREFIX.test(text)) return text;
  return dsnToUrl(parseDsn(text));
}

/** `host:port/database` without credentials, for messages and logs. */
export function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionUrl(connectionString));
    const host = url.hostname === '' ? (url.searchParams.get('host') ?? 'localhost') : url.hostname;
    return `${host}${url.port === '' ? '' : `:${url.port}`}${url.pathname === '' ? '' : url.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** libpq `key=value` pairs; values may be single-quoted with `\'` and `\\` escapes. */
export function parseDsn(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const keyStart = i;
    while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
    const key = text.slice(keyStart, i);
    skipSpace();
    if (key === '' || text[i] !== '=') throw new ConfigError(`connection string: expected key=value at position ${keyStart + 1} of the DSN`);
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw new ConfigError(`connection string: unterminated quoted value of ${key}`);
        const ch = text[i] as string;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1] as string;
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
    } else {
      while (i < text.length && !/\s/.test(text[i] as string)) {
        const ch = text[i] as string;
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1] as string;
          i += 2;
        } else {
          value += ch;
          i++;
        }
      }
    }
    pairs.set(key, value);
  }
  return pairs;
}

function dsnToUrl(pairs: Map<string, string>): string {
  const take = (key: string): string | undefined => {
    const value = pairs.get(key);
    pairs.delete(key);
    return value;
  };
  const user = take('user');
  const password = take('password');
  const host = take('host') ?? take('hostaddr');
  const port = take('port');
  const database = take('dbname');
  const query = new URLSearchParams();
  let authority = '';
  if (user !== undefined) authority = encodeURIComponent(user) + (password === undefined ? '' : `:${encodeURIComponent(password)}`) + '@';
  // A socket directory cannot be a URL host; node-postgres takes it from the host parameter.
  if (host !== undefined && host.startsWith('/')) query.set('host', host);
  else if (host !== undefined) authority += host.includes(':') ? `[${host}]` : host;
  if (port !== undefined) {
    if (!/^\d+$/.test(port)) throw new ConfigError(`connection string: port must be a number, got ${JSON.stringify(port)}`);
    authority += `:${port}`;
  }
  for (const [key, value] of pairs) query.set(key, value);
  const search = query.toString();
  return `postgresql://${authority}/${database === undefined ? '' : encodeURIComponent(database)}${search === '' ? '' : `?${search}`}`;
}

/** A live connection, marked broken when the driver reports an error outside a query. */
export class PgSession {
  readonly client: Client;
  private brokenBy: unknown;
  private ended = false;

  private constructor(client: Client) {
    this.client = client;
  }

  /** Connects and prepares the session; `what` names the connector in errors. */
  static async open(settings: ConnectionSettings, signal: AbortSignal, log: Logger, what: string): Promise<PgSession> {
    if (signal.aborted) throw shutdownError(what);
    const config: ClientConfig = {
      connectionString: connectionUrl(settings.connectionString),
      application_name: settings.applicationName,
      connectionTimeoutMillis: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepAlive: true,
      // Probe an idle socket after 10 s instead of the kernel's 2 h, so a silently dropped peer is noticed.
      keepAliveInitialDelayMillis: 10_000,
    };
    if (settings.types !== undefined) config.types = settings.types;
    const client = new Client(config);
    const session = new PgSession(client);
    // Without a listener an idle connection that dies would crash the process.
    client.on('error', (error: Error) => {
      session.brokenBy = error;
      log.warn({ err: errorMessage(error) }, `${what}: connection lost; reconnecting on next use`);
    });
    const onAbort = (): void => void session.close();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.connect();
      await client.query(SESSION_SETUP);
    } catch (error) {
      await session.close();
      if (signal.aborted) throw shutdownError(what);
      throw translatePgError(error, `${what} cannot connect to ${describeTarget(settings.connectionString)}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return session;
  }

  /** False once the driver reported the connection dead or close() was called. */
  get usable(): boolean {
    return this.brokenBy === undefined && !this.ended;
  }

  markBroken(error: unknown): void {
    this.brokenBy ??= error;
  }

  /** Ends the connection; never throws, never waits more than a couple of seconds. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref();
    });
    await Promise.race([this.client.end().catch(() => undefined), timeout]);
    if (timer !== undefined) clearTimeout(timer);
  }
}

function shutdownError(what: string): DataflowError {
  return new DataflowError(ErrorCode.shutdown, `${what}: connecting was cancelled`, false);
}
