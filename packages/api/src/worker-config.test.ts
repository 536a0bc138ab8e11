import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataFlow } from './dataflow.js';
import { SpecValidationError } from './issues.js';
import { parseWorkerConfig, renderWorkerConfig, serializeWorkerConfig, workerConfigHash } from './worker-config.js';

const flow = (): DataFlow => ({
  apiVersion: 'dataflow.dataflow.io/v1',
  kind: 'DataFlow',
  metadata: { name: 'orders', namespace: 'shop', uid: 'u-1', generation: 3 },
  spec: {
    source: { type: 'kafka', config: { brokers: ['k:9092'], topic: 'orders', sasl: { usernameSecretRef: { name: 'kafka', key: 'user' }, passwordSecretRef: { name: 'kafka', key: 'pass' } } } },
    sink: { type: 'stdout', config: {} },
  },
});

void describe('renderWorkerConfig', () => {
  void it('carries the identity and the defaulted spec, with SecretRefs left as references', () => {
    const config = renderWorkerConfig(flow());
    assert.deepEqual(config.flow, { namespace: 'shop', name: 'orders', uid: 'u-1', generation: 3 });
    assert.equal(config.version, 1);
    const source = config.spec.source.config as Record<string, unknown>;
    assert.equal(source['consumerGroup'], 'shop.orders');
    assert.deepEqual((source['sasl'] as Record<string, unknown>)['passwordSecretRef'], { name: 'kafka', key: 'pass' });
    assert.equal(config.spec.replicas, 1);
  });

  void it('normalises the legacy shape', () => {
    const legacy = flow();
    (legacy.spec as unknown as Record<string, unknown>)['sink'] = { type: 'file', file: { path: '/tmp/x' } };
    assert.deepEqual(renderWorkerConfig(legacy).spec.sink, { type: 'file', config: { path: '/tmp/x' } });
  });

  void it('rejects an invalid spec with every issue', () => {
    const bad = flow();
    bad.spec.source = { type: 'kafka', config: {} };
    assert.throws(() => renderWorkerConfig(bad), (err: unknown) => {
      assert.ok(err instanceof SpecValidationError);
      assert.deepEqual(err.issues.map((i) => i.path), ['spec.source.config.brokers', 'spec.source.config.topic']);
      return true;
    });
  });
});

void describe('serializeWorkerConfig / parseWorkerConfig', () => {
  void it('round-trips', () => {
    const config = renderWorkerConfig(flow());
    assert.deepEqual(parseWorkerConfig(serializeWorkerConfig(config)), config);
  });

  void it('serialises with a stable key order, so equal configs hash equally', () => {
    const a = renderWorkerConfig(flow());
    const reordered = flow();
    reordered.spec = { sink: reordered.spec.sink, source: reordered.spec.source };
    const b = renderWorkerConfig(reordered);
    assert.equal(serializeWorkerConfig(a), serializeWorkerConfig(b));
    assert.equal(workerConfigHash(serializeWorkerConfig(a)), workerConfigHash(serializeWorkerConfig(b)));
  });

  void it('rejects an unknown major version', () => {
    const text = serializeWorkerConfig(renderWorkerConfig(flow())).replace('"version": 1', '"version": 2');
    assert.throws(() => parseWorkerConfig(text), /unsupported worker config version 2/);
  });

  void it('rejects malformed JSON, a bad identity and an invalid spec', () => {
    assert.throws(() => parseWorkerConfig('{'), SpecValidationError);
    assert.throws(() => parseWorkerConfig(JSON.stringify({ version: 1, flow: { name: 'x' }, spec: {} })), /flow\.namespace/);
    const invalid = JSON.stringify({ version: 1, flow: { namespace: 'a', name: 'b', uid: '', generation: 0 }, spec: { source: { type: 'nope' }, sink: { type: 'stdout' } } });
    assert.throws(() => parseWorkerConfig(invalid), /spec\.source\.type: unknown type "nope"/);
  });
});

void describe('workerConfigHash', () => {
  void it('is FNV-1a 64 over UTF-8 (reference vectors)', () => {
    assert.equal(workerConfigHash(''), 'cbf29ce484222325');
    assert.equal(workerConfigHash('a'), 'af63dc4c8601ec8c');
    assert.equal(workerConfigHash('foobar'), '85944171f73967e8');
  });

  void it('changes with the content', () => {
    assert.notEqual(workerConfigHash('{"a":1}'), workerConfigHash('{"a":2}'));
    assert.match(workerConfigHash('ü'), /^[0-9a-f]{16}$/);
  });
});
