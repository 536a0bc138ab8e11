// One HTTP exchange over node:http / node:https, so a private CA can verify the server (global
// fetch has no per-request CA without undici's Agent, which is not a dependency here).
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionError, ErrorCode } from '../../errors.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** TLS options for https URLs (CA, client certificate); absent = the system trust store. */
  readonly tls?: ConnectionOptions;
  /** Upper bound for this exchange alone. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Aborted → rejects with the signal's reason; network failure or timeout → ConnectionError naming the host. */
export function send(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
  return new Promise<HttpResponse>((resolve, reject) => {
    if (req.signal?.aborted === true) {
      reject(req.signal.reason as Error);
      return;
    }
    const options = { method: req.method, headers, ...(req.signal === undefined ? {} : { signal: req.signal }) };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => reject(new ConnectionError(`HTTP ${req.method} ${url.host} failed: ${error.message}`, { cause: error })));
    };
    const client = isHttps
      ? httpsRequest(url, { ...req.tls, ...options }, onResponse)
      : httpRequest(url, options, onResponse);
    client.setTimeout(req.timeoutMs, () => {
      client.destroy(new ConnectionError(`HTTP ${req.method} ${url.host} got no answer within ${req.timeoutMs} ms`, { code: ErrorCode.timeout }));
    });
    client.on('error', (error) => {
      if (req.signal?.aborted === true) reject(req.signal.reason as Error);
      else if (error instanceof ConnectionError) reject(error);
      else reject(new ConnectionError(`HTTP ${req.method} ${url.host} failed: ${error.message}`, { cause: error }));
    });
    if (req.body !== undefined) client.write(req.body);
    client.end();
  });
}
