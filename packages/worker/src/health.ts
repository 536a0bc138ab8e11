// The worker's HTTP endpoint on :9090 (decisions.md §5: the pod's probes and Prometheus scrape it).
//   /metrics  the worker's own prom-client registry
//   /livez    the process is not wedged (liveness: failing restarts the container)
//   /readyz   the flow is running (readiness)
//   /healthz  both
// Probes answer 200 "ok" or 503 with the reason; nothing here logs per request.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errorMessage } from './errors.js';
import type { Logger } from './plugin.js';

export const DEFAULT_HEALTH_PORT = 9090;

export interface HealthServerOptions {
  /** Default 9090; 0 picks a free port (tests), see `HealthServer.port`. */
  readonly port?: number;
  /** Default all interfaces (the kubelet and Prometheus connect from outside the pod). */
  readonly host?: string;
  readonly registry: Registry;
  readonly isLive: () => boolean;
  readonly isReady: () => boolean | Promise<boolean>;
  readonly log: Logger;
}

export interface HealthServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops listening and drops open connections (keep-alive scrapers included). */
  close(): Promise<void>;
}

interface Check {
  readonly ok: boolean;
  readonly reason: string;
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const port = options.port ?? DEFAULT_HEALTH_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`health server: port must be an integer in 0..65535, got ${port}`);
  }
  const { registry, log } = options;

  const liveness = (): Check => {
    try {
      return options.isLive() ? { ok: true, reason: 'ok' } : { ok: false, reason: 'not live' };
    } catch (error) {
      return { ok: false, reason: `liveness check failed: ${errorMessage(error)}` };
    }
  };
  const readiness = async (): Promise<Check> => {
    try {
      return (await options.isReady()) ? { ok: true, reason: 'ok' } : { ok: false, reason: 'not ready' };
    } catch (error) {
      return { ok: false, reason: `readiness check failed: ${errorMessage(error)}` };
    }
  };
  const answer = (res: ServerResponse, check: Check): void => send(res, check.ok ? 200 : 503, `${check.reason}\n`);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    switch (path) {
      case '/metrics': {
        try {
          send(res, 200, await registry.metrics(), registry.contentType);
        } catch (error) {
          log.warn({ err: error }, 'collecting metrics failed');
          send(res, 500, `collecting metrics failed: ${errorMessage(error)}\n`);
        }
        return;
      }
      case '/livez':
        answer(res, liveness());
        return;
      case '/readyz':
        answer(res, await readiness());
        return;
      case '/healthz': {
        const live = liveness();
        answer(res, live.ok ? await readiness() : live);
        return;
      }
      default:
        send(res, 404, 'not found\n');
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, 'health endpoint failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Probes and scrapes are tiny; a client that stalls must not hold a socket for long.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new Error(`health server: cannot listen on ${options.host ?? '*'}:${port}: ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'health server error'));
  const bound = (server.address() as AddressInfo).port;
  log.info({ port: bound }, 'health server listening');

  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
