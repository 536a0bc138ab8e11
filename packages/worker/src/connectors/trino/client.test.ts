// The statement protocol against a scripted fake coordinator: auth headers on every request,
// renewal after a 401, back-off between empty polls, cancellation, timeouts and error typing.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionError, DataflowError, ErrorCode } from '../../errors.js';
import type { TrinoAuth } from './auth.js';
import { TrinoClient } from './client.js';
import { TrinoAuthError, TrinoQueryError } from './errors.js';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly at: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void;

let server: Server;
let base = '';
let handler: Handler = () => undefined;
let seen: Seen[] = [];

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Auth whose token changes on every renewal: "t1", "t2" … */
function rotatingAuth(): TrinoAuth & { renewals: number } {
  const auth = {
    renewals: 0,
    description: 'test token',
    headers: () => Promise.resolve({ Authorization: `Bearer t${auth.renewals + 1}` }),
    renewAfterRejection: () => {
      auth.renewals++;
      return Promise.resolve(true);
    },
  };
  return auth;
}

function client(extra: Partial<ConstructorParameters<typeof TrinoClient>[0]> = {}): TrinoClient {
  return new TrinoClient({ serverURL: base, catalog: 'c', schema: 's', auth: rotatingAuth(), ...extra });
}

void describe('trino statement client', () => {
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, at: performance.now() });
      req.resume();
      req.on('end', () => handler(req, res, seen));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  void it('follows nextUri with fresh auth on every request, renews once after a 401 and retries a 503', async () => {
    seen = [];
    let rejected = false;
    let busy = false;
    handler = (req, res) => {
      const url = req.url ?? '';
      if (req.method === 'POST') return json(res, 200, { id: 'q', nextUri: `${base}/v1/statement/q/1`, stats: { state: 'QUEUED' } });
      if (url.endsWith('/1')) {
        if (!rejected) {
          rejected = true;
          res.writeHead(401).end('token expired');
          return;
        }
        return json(res, 200, { nextUri: `${base}/v1/statement/q/2`, columns: [{ name: 'n', type: 'bigint' }] });
      }
      if (url.endsWith('/2')) return json(res, 200, { nextUri: `${base}/v1/statement/q/3`, data: [[1]] });
      if (!busy) {
        busy = true;
        res.writeHead(503).end();
        return;
      }
      return json(res, 200, { data: [[2]], stats: { state: 'FINISHED' } });
    };
    const auth = rotatingAuth();
    const result = await client({ auth }).query('SELECT n', 'test query');
    assert.deepEqual(result.columns, [{ name: 'n', type: 'bigint' }]);
    assert.deepEqual(result.rows, [[1], [2]]);
    assert.equal(auth.renewals, 1);
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.path.replace('/v1/statement', '')} ${s.authorization ?? 'none'}`),
      ['POST  Bearer t1', 'GET /q/1 Bearer t1', 'GET /q/1 Bearer t2', 'GET /q/2 Bearer t2', 'GET /q/3 Bearer t2', 'GET /q/3 Bearer t2'],
    );
  });

  void it('backs off between polls that bring no data and cancels the statement on abort', async () => {
    seen = [];
    let n = 0;
    handler = (req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      n++;
      json(res, 200, { nextUri: `${base}/v1/statement/q/${n}`, stats: { state: 'RUNNING' } });
    };
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 400);
    await assert.rejects(client().query('SELECT slow', 'slow query', abort.signal), (error: unknown) => {
      assert.ok(error instanceof DataflowError);
      assert.equal(error.code, ErrorCode.shutdown);
      return true;
    });
    const polls = seen.filter((s) => s.method === 'GET');
    assert.ok(polls.length >= 3 && polls.length <= 10, `back-off 10 → 500 ms gives a handful of polls in 400 ms, got ${polls.length}`);
    const deletes = seen.filter((s) => s.method === 'DELETE');
    assert.equal(deletes.length, 1);
    assert.equal(deletes[0]?.authorization, 'Bearer t1', 'the cancel request is authenticated too');
  });

  void it('enforces queryTimeoutMs over the whole statement and cancels it', async () => {
    seen = [];
    handler = (req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      json(res, 200, { nextUri: `${base}/v1/statement/q/x`, stats: { state: 'RUNNING' } });
    };
    await assert.rejects(client({ queryTimeoutMs: 300 }).query('SELECT slow', 'slow query'), (error: unknown) => {
      assert.ok(error instanceof ConnectionError);
      assert.equal(error.code, ErrorCode.timeout);
      assert.match(error.message, /slow query exceeded queryTimeoutSeconds \(0\.3 s\) and was cancelled/);
      return true;
    });
    assert.equal(seen.filter((s) => s.method === 'DELETE').length, 1);
  });

  void it('close() aborts a running statement and cancels it on the server', async () => {
    seen = [];
    handler = (req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      json(res, 200, { nextUri: `${base}/v1/statement/q/y`, stats: { state: 'RUNNING' } });
    };
    const c = client();
    const running = c.query('SELECT slow', 'slow query');
    setTimeout(() => void c.close(), 150);
    await assert.rejects(running, /slow query cancelled: the connector is closing/);
    assert.ok(seen.some((s) => s.method === 'DELETE'), 'a DELETE reached the server');
    await assert.rejects(c.query('SELECT 1', 'after close'), /the Trino client is closed/);
  });

  void it('types Trino errors: user errors, transient errors, and a 401 that renewal cannot fix', async () => {
    handler = (_req, res) => json(res, 200, { error: { message: 'Cannot cast', errorName: 'INVALID_CAST_ARGUMENT', errorType: 'USER_ERROR' } });
    await assert.rejects(client().query('x', 'cast'), (error: unknown) => error instanceof TrinoQueryError && error.isUserError && !error.retriable);
    handler = (_req, res) => json(res, 200, { error: { message: 'Encountered too many errors talking to a worker node', errorName: 'TOO_MANY_REQUESTS_FAILED', errorType: 'EXTERNAL' } });
    await assert.rejects(client().query('x', 'busy'), (error: unknown) => error instanceof ConnectionError && error.retriable);
    handler = (_req, res) => void res.writeHead(401).end('Unauthorized');
    await assert.rejects(client().query('x', 'auth'), (error: unknown) => {
      assert.ok(error instanceof TrinoAuthError);
      assert.equal(error.retriable, false);
      assert.match(error.message, /auth: Trino rejected test token \(HTTP 401: Unauthorized\)/);
      return true;
    });
    handler = (_req, res) => void res.writeHead(503).end();
    await assert.rejects(client().query('x', 'post'), (error: unknown) => error instanceof ConnectionError && /HTTP 503/.test(error.message));
  });
});
