import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthRoutes, metricsRoutes, startHttpServer } from './health.js';
import { ControllerMetrics } from './metrics.js';

void describe('HTTP endpoints', () => {
  void it('serves /healthz, /readyz and /metrics', async () => {
    let ready = false;
    const metrics = new ControllerMetrics();
    metrics.setPhase('shop', 'orders', 'Running');
    const server = await startHttpServer(0, { ...healthRoutes({ live: () => true, ready: () => ready }), ...metricsRoutes(metrics) }, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      const scrape = await fetch(`${base}/metrics`);
      assert.match(await scrape.text(), /dataflow_status\{namespace="shop",name="orders",phase="Running"\} 1/);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
    } finally {
      await server.close();
    }
  });
});
