import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowHealth } from './flow-health.js';

void describe('FlowHealth', () => {
  const connectors = [
    { role: 'source' as const, name: 'source' },
    { role: 'sink' as const, name: 'main' },
    { role: 'sink' as const, name: 'errors' },
  ];

  void it('is ready once the source and every sink opened, and not after one closed', () => {
    const health = new FlowHealth({ connectors });
    assert.equal(health.isReady(), false);
    health.connection('sink', 'main', 'file', true);
    health.connection('sink', 'errors', 'file', true);
    assert.equal(health.isReady(), false);
    health.connection('source', 'source', 'kafka', true);
    assert.equal(health.isReady(), true);
    health.connection('sink', 'errors', 'file', false);
    assert.equal(health.isReady(), false);
  });

  void it('is live while idle or progressing, and not when in-flight messages stall', () => {
    let now = 0;
    const health = new FlowHealth({ connectors, stallAfterMs: 1000, now: () => now });
    now = 5000;
    assert.equal(health.isLive(), true, 'idle with nothing in flight');
    health.read(10);
    now = 5900;
    assert.equal(health.isLive(), true);
    health.writeRetried();
    now = 6800;
    assert.equal(health.isLive(), true, 'a retried write is progress');
    now = 7000;
    assert.equal(health.isLive(), false, 'nothing happened for 1 s with 10 messages in flight');
    health.committed(10);
    assert.equal(health.isLive(), true);
    now = 60_000;
    assert.equal(health.isLive(), true, 'idle again');
  });
});
