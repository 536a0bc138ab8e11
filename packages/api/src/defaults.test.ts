import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataFlowSpec } from './dataflow.js';
import { applyDefaults } from './defaults.js';

const spec = (): DataFlowSpec => ({
  source: { type: 'kafka', config: { brokers: ['k:9092'], topic: 't' } },
  transformations: [
    { type: 'mask', config: { fields: ['a'] } },
    { type: 'router', config: { routes: [{ condition: '$.x', sink: { type: 'postgresql', config: { table: 'r' } } }] } },
  ],
  sink: { type: 'clickhouse', config: { connectionString: 'http://ch:8123/db', table: 't' } },
});

void describe('applyDefaults', () => {
  void it('applies the top-level defaults and the default resources', () => {
    const out = applyDefaults(spec());
    assert.equal(out.replicas, 1);
    assert.equal(out.suspend, false);
    assert.equal(out.channelBufferSize, 100);
    assert.equal(out.checkpointPersistence, true);
    assert.equal(out.checkpointSaveInterval, '30s');
    assert.deepEqual(out.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  void it('applies the defaults of each type, not of another type', () => {
    const out = applyDefaults(spec());
    const sink = out.sink.config as Record<string, unknown>;
    assert.equal(sink['batchSize'], 10000); // clickhouse's default, not postgresql's 1
    const mask = out.transformations?.[0]?.config as Record<string, unknown>;
    assert.equal(mask['maskChar'], '*');
    assert.equal(mask['keepLength'], false);
    const source = out.source.config as Record<string, unknown>;
    assert.equal(source['startOffset'], 'earliest');
  });

  void it('applies sink defaults to route sinks', () => {
    const out = applyDefaults(spec());
    const router = out.transformations?.[1]?.config as { routes: Array<{ sink: { config: Record<string, unknown> } }> };
    assert.equal(router.routes[0]?.sink.config['batchSize'], 1); // postgresql
  });

  void it('derives the kafka consumer group from the flow, one group per flow', () => {
    const source = applyDefaults(spec(), { namespace: 'shop', name: 'orders' }).source.config as Record<string, unknown>;
    assert.equal(source['consumerGroup'], 'shop.orders');
    const withoutFlow = applyDefaults(spec()).source.config as Record<string, unknown>;
    assert.equal(withoutFlow['consumerGroup'], undefined);
  });

  void it('keeps explicit values, including a consumer group from a Secret', () => {
    const input = spec();
    input.replicas = 0;
    input.resources = { requests: { cpu: '1' } };
    input.source = { type: 'kafka', config: { brokers: ['k:9092'], topic: 't', consumerGroupSecretRef: { name: 's', key: 'g' }, startOffset: 'latest' } };
    const out = applyDefaults(input, { namespace: 'a', name: 'b' });
    assert.equal(out.replicas, 0);
    assert.deepEqual(out.resources, { requests: { cpu: '1' } });
    const source = out.source.config as Record<string, unknown>;
    assert.equal(source['consumerGroup'], undefined);
    assert.equal(source['startOffset'], 'latest');
  });

  void it('does not create absent nested objects but fills present ones', () => {
    const input = spec();
    input.source = { type: 'kafka', config: { brokers: ['k:9092'], topic: 't', sasl: { username: 'u', password: 'p' } } };
    const source = applyDefaults(input).source.config as Record<string, unknown>;
    assert.equal(source['tls'], undefined);
    assert.deepEqual(source['sasl'], { username: 'u', password: 'p', mechanism: 'plain' });
  });

  void it('is pure', () => {
    const input = spec();
    const copy = structuredClone(input);
    const out = applyDefaults(input, { namespace: 'a', name: 'b' });
    assert.deepEqual(input, copy);
    assert.notEqual(out.source, input.source);
  });
});
