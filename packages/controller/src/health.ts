// The operator's HTTP endpoints: /healthz and /readyz on the health port, /metrics on the metrics
// port (the Deployment's probes and Prometheus' scrape config point at them).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

export type Route = () => HttpReply | Promise<HttpReply>;

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

function text(status: number, body: string): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

export interface HealthChecks {
  /** The process is not wedged (liveness). */
  live(): boolean;
  /** Caches are synced and the manager runs (or waits as a standby for the lease). */
  ready(): boolean;
}

export function healthRoutes(checks: HealthChecks): Record<string, Route> {
  return {
    '/healthz': () => (checks.live() ? text(200, 'ok\n') : text(503, 'not live\n')),
    '/readyz': () => (checks.ready() ? text(200, 'ok\n') : text(503, 'not ready\n')),
  };
}

export function metricsRoutes(source: { text(): Promise<string>; readonly contentType: string }): Record<string, Route> {
  return { '/metrics': async () => ({ status: 200, contentType: source.contentType, body: await source.text() }) };
}

async function handle(routes: Readonly<Record<string, Route>>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = routes[path];
  let reply: HttpReply;
  if (req.method !== 'GET' && req.method !== 'HEAD') reply = text(405, 'method not allowed\n');
  else if (route === undefined) reply = text(404, 'not found\n');
  else {
    try {
      reply = await route();
    } catch {
      reply = text(500, 'internal error\n');
    }
  }
  res.writeHead(reply.status, { 'content-type': reply.contentType });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}

/** Listens on `port` (0 = any free port) and serves `routes`. */
export async function startHttpServer(port: number, routes: Readonly<Record<string, Route>>, host = '0.0.0.0'): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    void handle(routes, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
