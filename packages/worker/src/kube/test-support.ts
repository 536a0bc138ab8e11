// For tests only: a tiny fake Kubernetes API endpoint over plain HTTP on 127.0.0.1. It holds objects
// by path, answers GET, applies JSON merge patches (RFC 7386; `<object>/status` patches the object's
// status), remembers the bearer token of the last request, and can be told to fail the next calls.
// Tests assert on the state it ends up holding, like they would against a real API server.
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../plugin.js';
import { InClusterApi } from './in-cluster.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: { [key: string]: Json } = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface Fault {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  remaining: number;
}

export class FakeApiServer {
  readonly objects = new Map<string, Json>();
  /** Every state each object was patched into, oldest first (like successive resourceVersions). */
  readonly history = new Map<string, Json[]>();
  /** Bearer token of the most recent request. */
  lastToken: string | undefined;
  /** Content types of PATCH requests seen, for checking the patch flavour. */
  readonly patchTypes = new Set<string>();
  /** When set, requests get no answer (timeouts). */
  hang = false;
  private readonly faults: Fault[] = [];
  private readonly waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private readonly server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  /** Plain HTTP, or HTTPS with `tls` (PEM key and certificate). */
  static async start(tls?: { key: string; cert: string }): Promise<FakeApiServer> {
    const server = tls === undefined ? createServer() : createHttpsServer(tls);
    const fake = new FakeApiServer(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `times` requests of `method path` are answered with `status`. */
  fail(method: string, path: string, status: number, times = 1): void {
    this.faults.push({ method, path, status, remaining: times });
  }

  /** Resolves once `check` holds after some request (or already holds now). */
  waitFor(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.hang) return;
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') === true) this.lastToken = auth.slice('Bearer '.length);
    const fault = this.faults.find((f) => f.method === method && f.path === path && f.remaining > 0);
    if (fault !== undefined) {
      fault.remaining--;
      this.answer(res, fault.status, { kind: 'Status', message: `injected ${fault.status}` });
      return;
    }
    const subresource = path.endsWith('/status') ? 'status' : undefined;
    const objectPath = subresource === undefined ? path : path.slice(0, -'/status'.length);
    const current = this.objects.get(objectPath);
    if (current === undefined) {
      this.answer(res, 404, { kind: 'Status', message: `${objectPath} not found`, reason: 'NotFound' });
      return;
    }
    if (method === 'GET') {
      this.answer(res, 200, current);
      return;
    }
    if (method === 'PATCH') {
      this.patchTypes.add(req.headers['content-type'] ?? '');
      const patch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { [key: string]: Json };
      // Like the API server: a status patch changes only the status, a main-resource patch never does.
      let updated: Json;
      if (subresource === 'status') {
        updated = 'status' in patch ? mergePatch(current, { status: patch['status'] ?? null }) : current;
      } else {
        const { status: _ignored, ...rest } = patch;
        updated = mergePatch(current, rest);
      }
      this.objects.set(objectPath, updated);
      this.history.set(objectPath, [...(this.history.get(objectPath) ?? []), updated]);
      this.answer(res, 200, updated);
      return;
    }
    this.answer(res, 405, { kind: 'Status', message: `${method} not supported by the fake` });
  }

  private answer(res: ServerResponse, status: number, body: Json): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

/** A token file in a fresh temp dir, and an InClusterApi that talks to `server` with it. */
export async function apiFor(server: FakeApiServer, options: { timeoutMs?: number } = {}): Promise<{ api: InClusterApi; tokenFile: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'df-kube-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'token-1\n');
  const api = new InClusterApi({ baseUrl: server.url, tokenFile, namespace: 'team-a', allowInsecureHttp: true, ...options });
  return { api, tokenFile, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface LogLine {
  readonly level: string;
  readonly obj: object;
  readonly msg: string | undefined;
}

export function memoryLog(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const log = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

/** Retries in tests happen at once. */
export const NO_WAIT = { sleep: () => Promise.resolve() } as const;

/** Resolves once `check()` holds, polling between event-loop turns (not timers: tests mock them); rejects after 5 s. */
export async function eventually(check: () => boolean, what = 'condition'): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
