import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { startHealthServer } from './health.js';
import type { HealthServer } from './health.js';
import type { Logger } from './plugin.js';

const quietLog: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => quietLog };

void describe('health server', () => {
  const registry = new Registry();
  new Counter({ name: 'dataflow_messages_received_total', help: 'h', registers: [registry] }).inc(3);
  let live = true;
  let ready: boolean | Error = false;
  let server: HealthServer;
  let base: string;

  before(async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      isLive: () => live,
      isReady: () => (ready instanceof Error ? Promise.reject(ready) : Promise.resolve(ready)),
      log: quietLog,
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  async function get(path: string, method = 'GET') {
    const res = await fetch(`${base}${path}`, { method });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  }

  void it('binds a free port when asked for port 0', () => {
    assert.ok(server.port > 0);
  });

  void it('serves the registry on /metrics with its content type', async () => {
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.equal(res.type, registry.contentType);
    assert.match(res.body, /^dataflow_messages_received_total 3$/m);
  });

  void it('answers the probes with 200 ok or 503 and the reason', async () => {
    live = true;
    ready = false;
    assert.deepEqual([(await get('/livez')).status, (await get('/livez')).body], [200, 'ok\n']);
    assert.deepEqual([(await get('/readyz')).status, (await get('/readyz')).body], [503, 'not ready\n']);
    assert.equal((await get('/healthz')).status, 503);

    ready = true;
    assert.equal((await get('/readyz')).status, 200);
    assert.deepEqual([(await get('/healthz')).status, (await get('/healthz')).body], [200, 'ok\n']);

    live = false;
    assert.deepEqual([(await get('/livez')).status, (await get('/livez')).body], [503, 'not live\n']);
    assert.deepEqual([(await get('/healthz')).status, (await get('/healthz')).body], [503, 'not live\n']);

    live = true;
    ready = new Error('source not connected');
    const res = await get('/readyz');
    assert.deepEqual([res.status, res.body], [503, 'readiness check failed: source not connected\n']);
  });

  void it('ignores query strings, 404s unknown paths and refuses other methods', async () => {
    live = true;
    assert.equal((await get('/livez?verbose=1')).status, 200);
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await get('/metrics', 'POST')).status, 405);
    assert.equal((await get('/livez', 'HEAD')).status, 200);
  });
});

void describe('health server lifecycle', () => {
  void it('close() frees the port and can be called twice', async () => {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      isLive: () => true,
      isReady: () => true,
      log: quietLog,
    });
    // A keep-alive connection must not hold close() open.
    await fetch(`http://127.0.0.1:${server.port}/livez`, { headers: { connection: 'keep-alive' } });
    await Promise.all([server.close(), server.close()]);
    await assert.rejects(fetch(`http://127.0.0.1:${server.port}/livez`));
  });

  void it('fails start-up clearly when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      await assert.rejects(
        startHealthServer({ port: address.port, host: '127.0.0.1', registry: new Registry(), isLive: () => true, isReady: () => true, log: quietLog }),
        /health server: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  void it('rejects an invalid port', async () => {
    await assert.rejects(
      startHealthServer({ port: 70000, registry: new Registry(), isLive: () => true, isReady: () => true, log: quietLog }),
      /port must be an integer/,
    );
  });
});
