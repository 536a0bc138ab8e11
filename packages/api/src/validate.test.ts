import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateDataFlow, validateSpec } from './validate.js';

const spec = { source: { type: 'file', config: { path: 'in.ndjson' } }, sink: { type: 'stdout', config: {} } };
const doc = (metadata: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata, spec, ...extra });

function paths(result: ReturnType<typeof validateDataFlow>): string[] {
  return result.ok ? [] : result.issues.map((i) => i.path);
}

void describe('validateDataFlow', () => {
  void it('accepts a well-formed document and returns it normalised', () => {
    const result = validateDataFlow(doc({ name: 'orders.v2', namespace: 'shop' }, { spec: { ...spec, sink: { type: 'stdout' } } }));
    assert.ok(result.ok);
    assert.deepEqual(result.flow.spec.sink, { type: 'stdout', config: {} });
  });

  void it('checks apiVersion and kind', () => {
    assert.deepEqual(paths(validateDataFlow(doc({ name: 'a' }, { apiVersion: 'dataflow.dataflow.io/v1beta1', kind: 'Dataflow' }))), ['apiVersion', 'kind']);
  });

  void it('requires a DNS-1123 name of at most 63 characters', () => {
    assert.deepEqual(paths(validateDataFlow(doc({}))), ['metadata.name']);
    assert.deepEqual(paths(validateDataFlow(doc({ name: 'Orders_V2' }))), ['metadata.name']);
    const long = validateDataFlow(doc({ name: 'a'.repeat(64) }));
    assert.ok(!long.ok && long.issues[0]?.message.includes('at most 63'));
    assert.ok(validateDataFlow(doc({ name: 'a'.repeat(63) })).ok);
  });

  void it('checks SecretRef namespaces against metadata.namespace', () => {
    const withRef = {
      ...spec,
      sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: 'pg', key: 'url', namespace: 'other' }, table: 't' } },
    };
    assert.deepEqual(paths(validateDataFlow(doc({ name: 'a', namespace: 'shop' }, { spec: withRef }))), ['spec.sink.config.connectionStringSecretRef.namespace']);
    const sameNamespace = structuredClone(withRef);
    sameNamespace.sink.config.connectionStringSecretRef.namespace = 'shop';
    assert.ok(validateDataFlow(doc({ name: 'a', namespace: 'shop' }, { spec: sameNamespace })).ok);
  });

  void it('reports a missing spec', () => {
    assert.deepEqual(paths(validateDataFlow({ apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata: { name: 'a' } })), ['spec']);
  });
});

void describe('validateSpec', () => {
  void it('does not apply defaults', () => {
    const result = validateSpec(spec);
    assert.ok(result.ok);
    assert.deepEqual(result.spec, spec);
  });

  void it('reports every problem at once, each once', () => {
    const result = validateSpec({ source: { type: 'kafka', config: { brokers: [] } }, sink: { type: 'stdout', config: { pretty: 'yes' } }, replicas: 'two' });
    assert.ok(!result.ok);
    const seen = result.issues.map((i) => `${i.path}: ${i.message}`);
    assert.deepEqual(seen, [...new Set(seen)]);
    for (const path of ['spec.source.config.brokers', 'spec.source.config.topic', 'spec.sink.config.pretty', 'spec.replicas']) {
      assert.ok(result.issues.some((i) => i.path === path), `${path} missing in ${seen.join('; ')}`);
    }
    // the schema already said brokers is empty; the "set brokers or brokersSecretRef" rule stays quiet
    assert.equal(result.issues.filter((i) => i.path === 'spec.source.config.brokers').length, 1);
  });
});
