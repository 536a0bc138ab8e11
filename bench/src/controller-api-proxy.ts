// A counting pass-through between the operator and the API server: the operator's kubeconfig points
// at http://127.0.0.1:<port>, every request is tallied by verb and resource and forwarded unchanged
// (its own bearer token included) to the real HTTPS server. The apiserver's own request metrics have
// no user label, so this is how the benchmark tells the operator's writes from the workers' status
// reports, the node agent's pod updates and kube-controller-manager's work.
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

export const WRITE_VERBS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** `PATCH deployments`, `PATCH dataflows/status`, `WATCH dataflows`, `GET leases` … */
export function requestKind(method: string, url: string): string {
  const parsed = new URL(url, 'http://proxy');
  const parts = parsed.pathname.split('/').filter((p) => p !== '');
  // /api/v1/... or /apis/<group>/<version>/...; then [namespaces/<ns>/]<resource>[/<name>[/<sub>]]
  let rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : parts;
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const resource = rest[0] ?? parsed.pathname;
  const sub = rest[2];
  const verb = method === 'GET' && parsed.searchParams.get('watch') === 'true' ? 'WATCH' : method;
  return `${verb} ${sub === undefined ? resource : `${resource}/${sub}`}`;
}

export interface ApiProxy {
  readonly url: string;
  /** Requests seen since the last reset, by `requestKind`. */
  counts(): Map<string, number>;
  /** Write requests (POST/PUT/PATCH/DELETE) since the last reset. */
  writes(): Map<string, number>;
  /** Every user agent seen (to show the counts are the operator's). */
  userAgents(): Set<string>;
  /** The first `captureWrites` write requests since the last reset: `VERB path` and the body sent. */
  capturedWrites(): Array<{ request: string; body: string }>;
  reset(): void;
  close(): Promise<void>;
}

export interface ApiProxyTarget {
  /** https://host:port of the real API server. */
  server: string;
  /** PEM of the CA that signed the API server's certificate. */
  ca: string | Buffer | undefined;
  /** Keep the bodies of this many write requests after each reset (to see what an unexpected write changes). */
  captureWrites?: number;
}

export async function startApiProxy(target: ApiProxyTarget): Promise<ApiProxy> {
  const upstream = new URL(target.server);
  const agent = upstream.protocol === 'https:' ? new Agent({ keepAlive: true, ...(target.ca === undefined ? {} : { ca: target.ca }) }) : undefined;
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  let counts = new Map<string, number>();
  const agents = new Set<string>();
  let captured: Array<{ request: string; body: string }> = [];

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const kind = requestKind(req.method ?? 'GET', req.url ?? '/');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const userAgent = req.headers['user-agent'];
    if (userAgent !== undefined) agents.add(userAgent);
    if ((WRITE_VERBS as readonly string[]).includes(req.method ?? '') && captured.length < (target.captureWrites ?? 0)) {
      const entry = { request: `${req.method ?? ''} ${req.url ?? ''}`, body: '' };
      captured.push(entry);
      req.on('data', (chunk: Buffer) => (entry.body += chunk.toString('utf8')));
    }
    const headers = { ...req.headers, host: upstream.host };
    const out = send(
      { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ...(agent === undefined ? {} : { agent }) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // A watch sends its headers before any event; Node would hold them back until the first body byte.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${error.message}`);
    });
    // A client that goes away (a watch it stops) ends the upstream request too.
    res.on('close', () => out.destroy());
    req.pipe(out);
  };

  const server: Server = createServer(forward);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => new Map(counts),
    writes: () => new Map([...counts].filter(([kind]) => (WRITE_VERBS as readonly string[]).includes(kind.split(' ')[0] ?? ''))),
    userAgents: () => new Set(agents),
    capturedWrites: () => [...captured],
    reset: () => {
      counts = new Map();
      captured = [];
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent?.destroy();
    },
  };
}
