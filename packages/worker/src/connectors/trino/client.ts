// A small client of Trino's statement protocol: POST /v1/statement, then follow `nextUri` until
// it is absent. Fixes upstream §9 item 31: every request (not only the POST) carries the
// authentication headers, polls that bring no data back off (10 ms doubling to 500 ms) instead of
// spinning, `queryTimeoutSeconds` bounds the whole statement rather than one HTTP exchange, and an
// aborted or timed-out statement is cancelled on the server (DELETE nextUri).
import { setTimeout as delay } from 'node:timers/promises';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionError, DataflowError, ErrorCode } from '../../errors.js';
import type { JsonValue } from '../../message.js';
import type { TrinoAuth } from './auth.js';
import type { TrinoErrorInfo } from './errors.js';
import { TrinoAuthError, isTransientHttpStatus, translateTrinoError } from './errors.js';
import { send } from './http.js';
import type { HttpResponse } from './http.js';

export interface TrinoColumn {
  readonly name: string;
  /** Trino's type signature text, e.g. `varchar(10)`, `timestamp(3) with time zone`. */
  readonly type: string;
}

export interface TrinoResult {
  readonly columns: readonly TrinoColumn[];
  readonly rows: JsonValue[][];
  readonly updateCount?: number;
}

export interface TrinoClientSettings {
  readonly serverURL: string;
  readonly catalog: string;
  readonly schema: string;
  readonly auth: TrinoAuth;
  /** Whole-statement bound; absent = none. */
  readonly queryTimeoutMs?: number;
  /** TLS options for an https serverURL; absent = the system trust store. */
  readonly tls?: ConnectionOptions;
  /** One HTTP exchange at most (default 60 s; the server answers a poll within about 1 s). */
  readonly requestTimeoutMs?: number;
  /** Back-off between polls that returned no data (default 10 → 500 ms). */
  readonly pollBackoffMs?: { readonly initial: number; readonly max: number };
  /** HTTP 429/502/503/504 answers tolerated in a row while following nextUri (default 5). */
  readonly maxBusyRetries?: number;
  /** X-Trino-Source (default dataflow-operator). */
  readonly source?: string;
}

interface StatementResponse {
  id?: string;
  nextUri?: string;
  columns?: { name: string; type: string }[];
  data?: JsonValue[][];
  updateCount?: number;
  error?: TrinoErrorInfo;
  stats?: { state?: string };
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const CANCEL_TIMEOUT_MS = 5_000;

export class TrinoClient {
  private readonly settings: TrinoClientSettings;
  private readonly base: string;
  /** nextUri of every running statement, to cancel them on close(). */
  private readonly running = new Map<number, string>();
  private seq = 0;
  private closed = false;
  /** Aborts every in-flight exchange when the client closes. */
  private readonly closing = new AbortController();
  /** Statements and HTTP requests sent, for tests and metrics. */
  requests = 0;

  constructor(settings: TrinoClientSettings) {
    this.settings = settings;
    this.base = settings.serverURL.replace(/\/+$/, '');
  }

  /**
   * Runs one statement and collects its rows. `what` names it in errors. Rejects with a typed
   * error: ConnectionError (retriable), TrinoQueryError, TrinoAuthError, or a shutdown error when
   * `signal` aborts (the statement is cancelled on the server first).
   */
  async query(sql: string, what: string, signal?: AbortSignal): Promise<TrinoResult> {
    if (this.closed) throw new DataflowError(ErrorCode.shutdown, `${what}: the Trino client is closed`, false);
    const id = ++this.seq;
    const timeoutMs = this.settings.queryTimeoutMs;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const onClose = (): void => stop.abort(new Error('client closed'));
    this.closing.signal.addEventListener('abort', onClose, { once: true });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop.abort(new Error('query timeout')), timeoutMs);
    const columns: TrinoColumn[] = [];
    const rows: JsonValue[][] = [];
    let updateCount: number | undefined;
    let nextUri: string | undefined;
    try {
      let response = await this.exchange('POST', `${this.base}/v1/statement`, sql, what, stop.signal);
      const backoff = this.settings.pollBackoffMs ?? { initial: 10, max: 500 };
      let wait = backoff.initial;
      for (;;) {
        if (response.columns !== undefined && columns.length === 0) columns.push(...response.columns.map((c) => ({ name: c.name, type: c.type })));
        if (response.data !== undefined && response.data.length > 0) {
          for (const row of response.data) rows.push(row);
          wait = backoff.initial;
        }
        if (response.updateCount !== undefined) updateCount = response.updateCount;
        if (response.error !== undefined) throw translateTrinoError(response.error, what);
        nextUri = response.nextUri;
        if (nextUri === undefined) break;
        this.running.set(id, nextUri);
        if (response.data === undefined || response.data.length === 0) {
          await delay(wait, undefined, { signal: stop.signal }).catch(() => undefined);
          wait = Math.min(backoff.max, wait * 2);
        }
        if (stop.signal.aborted) throw this.stopReason(signal, what, timeoutMs);
        response = await this.exchange('GET', nextUri, undefined, what, stop.signal);
      }
      if (response.stats?.state === 'FAILED') throw translateTrinoError({ message: 'the statement failed without an error object' }, what);
      nextUri = undefined;
      return { columns, rows, ...(updateCount === undefined ? {} : { updateCount }) };
    } catch (error) {
      if (nextUri !== undefined) await this.cancel(nextUri);
      if (stop.signal.aborted && !(error instanceof TrinoAuthError)) throw this.stopReason(signal, what, timeoutMs, error);
      throw error;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.closing.signal.removeEventListener('abort', onClose);
      this.running.delete(id);
    }
  }

  /** Cancels every running statement and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    const uris = [...this.running.values()];
    this.running.clear();
    this.closing.abort();
    await Promise.all(uris.map((uri) => this.cancel(uri)));
  }

  private stopReason(signal: AbortSignal | undefined, what: string, timeoutMs: number | undefined, cause?: unknown): DataflowError {
    if (signal?.aborted === true) return new DataflowError(ErrorCode.shutdown, `${what} cancelled: shutting down`, false, { cause });
    if (this.closed) return new DataflowError(ErrorCode.shutdown, `${what} cancelled: the connector is closing`, false, { cause });
    return new ConnectionError(`${what} exceeded queryTimeoutSeconds (${(timeoutMs ?? 0) / 1000} s) and was cancelled`, { code: ErrorCode.timeout, cause });
  }

  /** Best effort: the statement may have finished already. */
  private async cancel(uri: string): Promise<void> {
    try {
      const headers = await this.settings.auth.headers();
      this.requests++;
      await send({ method: 'DELETE', url: uri, headers, timeoutMs: CANCEL_TIMEOUT_MS, ...this.tls() });
    } catch {
      // The server forgets an abandoned query on its own after a few seconds.
    }
  }

  /** One request with fresh auth headers; a 401 renews credentials once; busy answers are retried on GET. */
  private async exchange(method: 'POST' | 'GET', url: string, body: string | undefined, what: string, signal: AbortSignal): Promise<StatementResponse> {
    let renewed = false;
    let busy = 0;
    for (;;) {
      const headers: Record<string, string> = {
        ...(await this.settings.auth.headers(signal)),
        'X-Trino-Catalog': this.settings.catalog,
        'X-Trino-Schema': this.settings.schema,
        'X-Trino-Source': this.settings.source ?? 'dataflow-operator',
        // Without it Trino rounds every timestamp it returns to milliseconds (legacy clients).
        'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
      };
      if (body !== undefined) headers['Content-Type'] = 'text/plain; charset=utf-8';
      this.requests++;
      const res: HttpResponse = await send({
        method,
        url,
        headers,
        timeoutMs: this.settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        signal,
        ...(body === undefined ? {} : { body }),
        ...this.tls(),
      });
      if (res.status === 401) {
        if (!renewed && (await this.settings.auth.renewAfterRejection(signal))) {
          renewed = true;
          continue;
        }
        throw new TrinoAuthError(`${what}: Trino rejected ${this.settings.auth.description} (HTTP 401${authDetail(res)})`);
      }
      if (res.status === 403) throw new TrinoAuthError(`${what}: Trino denied access to ${this.settings.auth.description} (HTTP 403${authDetail(res)})`);
      if (isTransientHttpStatus(res.status)) {
        // The protocol says a 503 on nextUri means "ask again"; a POST that got one was not accepted.
        if (method === 'GET' && busy < (this.settings.maxBusyRetries ?? 5)) {
          busy++;
          await delay(100 * 2 ** busy, undefined, { signal }).catch(() => undefined);
          if (signal.aborted) throw new ConnectionError(`${what}: aborted while Trino was busy`);
          continue;
        }
        throw new ConnectionError(`${what}: Trino answered HTTP ${res.status}`);
      }
      if (res.status !== 200) throw new ConnectionError(`${what}: Trino answered HTTP ${res.status}: ${res.body.slice(0, 200)}`);
      try {
        return JSON.parse(res.body) as StatementResponse;
      } catch (error) {
        throw new ConnectionError(`${what}: Trino sent a response that is not JSON: ${res.body.slice(0, 200)}`, { cause: error });
      }
    }
  }

  private tls(): { tls?: ConnectionOptions } {
    return this.settings.tls === undefined ? {} : { tls: this.settings.tls };
  }
}

function authDetail(res: HttpResponse): string {
  const text = res.body.trim().slice(0, 200);
  return text === '' ? '' : `: ${text}`;
}
