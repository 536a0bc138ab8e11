// The worker's own, minimal way to talk to the Kubernetes API server from inside its pod (ADR 0006):
// the pod's service-account token, CA and namespace, the API address from KUBERNETES_SERVICE_*, and
// one `request()` over node:https. The worker needs three calls (get its flow, patch its status,
// read/patch its checkpoint ConfigMap), so it carries no Kubernetes client library.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface ServiceAccountFiles {
  readonly tokenFile: string;
  readonly caFile: string;
  readonly namespaceFile: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The mounted service-account files, each overridable by env (tests, the e2e node agent). */
export function serviceAccountFiles(env: Env = process.env): ServiceAccountFiles {
  return {
    tokenFile: nonEmpty(env['DATAFLOW_SA_TOKEN_FILE']) ?? `${SERVICE_ACCOUNT_DIR}/token`,
    caFile: nonEmpty(env['DATAFLOW_SA_CA_FILE']) ?? `${SERVICE_ACCOUNT_DIR}/ca.crt`,
    namespaceFile: nonEmpty(env['DATAFLOW_SA_NAMESPACE_FILE']) ?? `${SERVICE_ACCOUNT_DIR}/namespace`,
  };
}

/** A worker pod: POD_NAME is set (downward API) and a service-account token is mounted. */
export function runsInCluster(env: Env = process.env, fileExists: (path: string) => boolean = existsSync): boolean {
  return nonEmpty(env['POD_NAME']) !== undefined && fileExists(serviceAccountFiles(env).tokenFile);
}

/** `https://<KUBERNETES_SERVICE_HOST>:<KUBERNETES_SERVICE_PORT>` (IPv6 hosts in brackets). */
export function apiServerUrl(env: Env = process.env): string {
  const host = nonEmpty(env['KUBERNETES_SERVICE_HOST']);
  if (host === undefined) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a Kubernetes pod (or the env was removed)');
  const port = nonEmpty(env['KUBERNETES_SERVICE_PORT']) ?? '443';
  if (!/^[0-9]{1,5}$/.test(port)) throw new Error(`KUBERNETES_SERVICE_PORT must be a port number, got "${port}"`);
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export type KubeApiErrorKind = 'unauthorized' | 'forbidden' | 'not-found' | 'conflict' | 'unavailable' | 'rejected';

/**
 * A failed API call. `kind`: 401 unauthorized, 403 forbidden (RBAC), 404 not-found, 409 conflict,
 * `unavailable` (5xx, 429, timeout, network; retriable), `rejected` (any other status).
 */
export class KubeApiError extends Error {
  readonly kind: KubeApiErrorKind;
  /** HTTP status; absent for network errors and timeouts. */
  readonly status?: number;
  readonly method: string;
  readonly path: string;

  constructor(kind: KubeApiErrorKind, method: string, path: string, detail: string, status?: number, options?: { cause?: unknown }) {
    super(`${method} ${path}: ${status === undefined ? '' : `${status} `}${detail}`, options);
    this.name = 'KubeApiError';
    this.kind = kind;
    this.method = method;
    this.path = path;
    if (status !== undefined) this.status = status;
  }

  /** Worth retrying after a back-off: the server was unavailable or the write raced another one. */
  get retriable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'conflict';
  }
}

export function isKubeApiError(error: unknown, kind?: KubeApiErrorKind): error is KubeApiError {
  return error instanceof KubeApiError && (kind === undefined || error.kind === kind);
}

function kindOf(status: number): KubeApiErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'rejected';
}

/** What the worker's Kubernetes pieces need from an API connection (a fake in tests). */
export interface KubeApi {
  /** The namespace of the pod's service account. */
  readonly namespace: string;
  /** Sends one request; resolves with the parsed JSON body, rejects with a KubeApiError. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

export interface InClusterApiOptions {
  /** `https://host:port`; `http://` only with `allowInsecureHttp` (tests). */
  readonly baseUrl: string;
  readonly tokenFile: string;
  /** PEM of the cluster CA; absent: the system roots. */
  readonly ca?: string;
  readonly namespace: string;
  readonly timeoutMs?: number;
  readonly allowInsecureHttp?: boolean;
}

interface CachedToken {
  readonly value: string;
  readonly mtimeMs: number;
  readonly size: number;
}

/** An API connection with the pod's identity; the token file is re-read whenever it changes. */
export class InClusterApi implements KubeApi {
  readonly namespace: string;
  private readonly base: URL;
  private readonly tokenFile: string;
  private readonly ca: string | undefined;
  private readonly timeoutMs: number;
  private token: CachedToken | undefined;

  constructor(options: InClusterApiOptions) {
    this.base = new URL(options.baseUrl);
    if (this.base.protocol !== 'https:' && !(this.base.protocol === 'http:' && options.allowInsecureHttp === true)) {
      throw new Error(`API server URL ${options.baseUrl} must use https`);
    }
    this.tokenFile = options.tokenFile;
    this.ca = options.ca;
    this.namespace = options.namespace;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Reads the service-account files named by `serviceAccountFiles(env)` and the API address. */
  static async fromEnvironment(env: Env = process.env): Promise<InClusterApi> {
    const files = serviceAccountFiles(env);
    const read = async (file: string, what: string): Promise<string> => {
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        throw new Error(`cannot read the service-account ${what} ${file}: ${(error as Error).message}`, { cause: error });
      }
    };
    const namespace = (await read(files.namespaceFile, 'namespace')).trim();
    if (namespace === '') throw new Error(`the service-account namespace file ${files.namespaceFile} is empty`);
    const ca = await read(files.caFile, 'CA');
    const api = new InClusterApi({ baseUrl: apiServerUrl(env), tokenFile: files.tokenFile, ca, namespace });
    await api.currentToken(); // fail at start, not at the first report, when the token is missing
    return api;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const token = await this.currentToken();
    const response = await this.send(method, path, token, body === undefined ? undefined : { text: JSON.stringify(body), contentType });
    if (response.status >= 200 && response.status < 300) {
      return (response.text === '' ? undefined : JSON.parse(response.text)) as T;
    }
    throw new KubeApiError(kindOf(response.status), method, path, statusMessage(response.text), response.status);
  }

  /** Projected tokens rotate: re-read when the file's mtime or size changed since the last read. */
  private async currentToken(): Promise<string> {
    let info;
    try {
      info = await stat(this.tokenFile);
    } catch (error) {
      throw new Error(`cannot read the service-account token ${this.tokenFile}: ${(error as Error).message}`, { cause: error });
    }
    const cached = this.token;
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.value;
    const value = (await readFile(this.tokenFile, 'utf8')).trim();
    if (value === '') throw new Error(`the service-account token file ${this.tokenFile} is empty`);
    this.token = { value, mtimeMs: info.mtimeMs, size: info.size };
    return value;
  }

  private send(method: string, path: string, token: string, body: { text: string; contentType: string } | undefined): Promise<{ status: number; text: string }> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = body.contentType;
      headers['Content-Length'] = String(Buffer.byteLength(body.text));
    }
    const options: https.RequestOptions = { method, headers, signal: AbortSignal.timeout(this.timeoutMs) };
    if (this.ca !== undefined) options.ca = this.ca;
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const unavailable = (error: unknown): void => {
        const detail = error instanceof Error && error.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : (error as Error).message;
        reject(new KubeApiError('unavailable', method, path, detail, undefined, { cause: error }));
      };
      const req = transport.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', unavailable);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', unavailable);
      req.end(body?.text);
    });
  }
}

/** The `message` of a Kubernetes Status body, else the body itself (shortened). */
function statusMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
