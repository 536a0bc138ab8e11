// The HTTPS server the API server calls for DataFlow admission: POST /validate (or the upstream
// operator's path) with an AdmissionReview v1 (admission.ts decides). The certificate and key are files — a mounted
// kubernetes.io/tls Secret (tls.crt, tls.key) — re-read when they change, so a rotated certificate
// (cert-manager renews in place) is served without a restart.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AdmissionReviewError, reviewDataFlow } from './admission.js';

export const WEBHOOK_PATH = '/validate';
/** The upstream operator's path, served too so an existing ValidatingWebhookConfiguration keeps working. */
export const UPSTREAM_WEBHOOK_PATH = '/validate-dataflow-dataflow-io-v1-dataflow';
export const DEFAULT_WEBHOOK_PORT = 9443;
/** File names inside the certificate directory (the keys of a kubernetes.io/tls Secret). */
export const TLS_CERT_FILE = 'tls.crt';
export const TLS_KEY_FILE = 'tls.key';
/** The API server sends objects of at most ~3 MiB (etcd's limit); anything larger is not a review. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface WebhookServerOptions {
  /** 0 = any free port (tests). */
  port: number;
  host?: string;
  /** Directory holding tls.crt and tls.key. */
  certDir: string;
  log: Logger;
  /** How often the certificate files are checked for a change (default 60 s; 0 = never). */
  reloadIntervalMs?: number;
}

export interface RunningWebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? `${body}\n` : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const path = new URL(req.url ?? '/', 'https://localhost').pathname;
  try {
    if (path !== WEBHOOK_PATH && path !== UPSTREAM_WEBHOOK_PATH) throw new HttpError(404, 'not found');
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed: POST an AdmissionReview');
    const text = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'the body is not JSON');
    }
    const reply = reviewDataFlow(body);
    const { response } = reply;
    if (!response.allowed) log.info({ uid: response.uid, name: response.status?.details?.name, reason: response.status?.message }, 'Denied an invalid DataFlow');
    send(res, 200, reply);
  } catch (error) {
    if (error instanceof HttpError) send(res, error.status, error.message);
    else if (error instanceof AdmissionReviewError) send(res, 400, error.message);
    else {
      log.error({ error: error instanceof Error ? error.message : String(error) }, 'Admission review failed');
      send(res, 500, 'internal error');
    }
  }
}

interface KeyPair {
  cert: Buffer;
  key: Buffer;
  stamp: string;
}

async function readKeyPair(certDir: string): Promise<KeyPair> {
  const certFile = join(certDir, TLS_CERT_FILE);
  const keyFile = join(certDir, TLS_KEY_FILE);
  try {
    const [cert, key, certStat, keyStat] = await Promise.all([readFile(certFile), readFile(keyFile), stat(certFile), stat(keyFile)]);
    return { cert, key, stamp: `${certStat.mtimeMs}/${certStat.size}/${keyStat.mtimeMs}/${keyStat.size}` };
  } catch (error) {
    throw new Error(`webhook certificate: cannot read ${certFile} and ${keyFile}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function stampOf(certDir: string): Promise<string | undefined> {
  try {
    const [c, k] = await Promise.all([stat(join(certDir, TLS_CERT_FILE)), stat(join(certDir, TLS_KEY_FILE))]);
    return `${c.mtimeMs}/${c.size}/${k.mtimeMs}/${k.size}`;
  } catch {
    return undefined; // mid-rotation: the Secret volume swaps its files; try again next time
  }
}

/** Starts the HTTPS server; rejects when the certificate cannot be read or the port is taken. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhookServer> {
  const { log } = options;
  let pair = await readKeyPair(options.certDir);
  const server: Server = createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    void handle(req, res, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const reloadMs = options.reloadIntervalMs ?? 60_000;
  let reloading = false;
  const timer =
    reloadMs > 0
      ? setInterval(() => {
          if (reloading) return;
          reloading = true;
          void (async () => {
            try {
              if ((await stampOf(options.certDir)) === pair.stamp) return;
              const next = await readKeyPair(options.certDir);
              server.setSecureContext({ cert: next.cert, key: next.key });
              pair = next;
              log.info({ certDir: options.certDir }, 'Reloaded the webhook certificate');
            } catch (error) {
              log.warn({ error: error instanceof Error ? error.message : String(error) }, 'Could not reload the webhook certificate; serving the previous one');
            } finally {
              reloading = false;
            }
          })();
        }, reloadMs)
      : undefined;
  timer?.unref();

  const address = server.address() as AddressInfo;
  log.info({ port: address.port, path: WEBHOOK_PATH }, 'Serving the DataFlow validating webhook');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (timer !== undefined) clearInterval(timer);
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
