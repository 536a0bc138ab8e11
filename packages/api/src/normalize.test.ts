import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeDataFlow, normalizeSpec } from './normalize.js';

void describe('normalizeSpec', () => {
  void it('moves legacy nested connector and transformation settings to config', () => {
    const legacy = {
      source: { type: 'kafka', kafka: { brokers: ['k:9092'], topic: 't' } },
      transformations: [{ type: 'filter', filter: { condition: '$.ok' } }],
      sink: { type: 'postgresql', postgresql: { table: 'x' } },
      replicas: 1,
    };
    const result = normalizeSpec(legacy);
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.value, {
      source: { type: 'kafka', config: { brokers: ['k:9092'], topic: 't' } },
      transformations: [{ type: 'filter', config: { condition: '$.ok' } }],
      sink: { type: 'postgresql', config: { table: 'x' } },
      replicas: 1,
    });
    assert.deepEqual(result.legacyPaths, ['spec.source', 'spec.sink', 'spec.transformations[0]']);
  });

  void it('normalises route sinks inside a legacy router', () => {
    const result = normalizeSpec({
      transformations: [{ type: 'router', router: { routes: [{ condition: '$.a', sink: { type: 'kafka', kafka: { topic: 'a' } } }] } }],
    });
    assert.deepEqual(result.value, {
      transformations: [{ type: 'router', config: { routes: [{ condition: '$.a', sink: { type: 'kafka', config: { topic: 'a' } } }] } }],
    });
  });

  void it('does not modify its input', () => {
    const input = { source: { type: 'kafka', kafka: { topic: 't' } } };
    const copy = structuredClone(input);
    normalizeSpec(input);
    assert.deepEqual(input, copy);
  });

  void it('leaves the canonical shape alone and adds an empty config where a type has none', () => {
    const canonical = { source: { type: 'file', config: { path: 'a' } }, sink: { type: 'stdout' } };
    const result = normalizeSpec(canonical);
    assert.deepEqual(result.value, { source: { type: 'file', config: { path: 'a' } }, sink: { type: 'stdout', config: {} } });
    assert.deepEqual(result.legacyPaths, []);
  });

  void it('accepts equal legacy and canonical settings, rejects different ones', () => {
    const same = normalizeSpec({ sink: { type: 'file', config: { path: 'a' }, file: { path: 'a' } } });
    assert.deepEqual(same.issues, []);
    assert.deepEqual(same.value, { sink: { type: 'file', config: { path: 'a' } } });
    const different = normalizeSpec({ sink: { type: 'file', config: { path: 'a' }, file: { path: 'b' } } });
    assert.deepEqual(different.issues.map((i) => i.path), ['spec.sink.file']);
  });

  void it('reports a legacy key that does not match the type', () => {
    const result = normalizeSpec({ source: { type: 'kafka', postgresql: { table: 't' } } });
    assert.equal(result.issues[0]?.path, 'spec.source.postgresql');
    assert.match(result.issues[0]?.message ?? '', /does not match type "kafka"/);
  });

  void it('leaves items without a string type to the schema', () => {
    const item = { kafka: { topic: 't' } };
    assert.deepEqual(normalizeSpec({ source: item }).value, { source: item });
  });
});

void describe('normalizeDataFlow', () => {
  void it('normalises only the spec of a document', () => {
    const doc = { apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata: { name: 'x' }, spec: { sink: { type: 'stdout', stdout: { pretty: true } } } };
    const result = normalizeDataFlow(doc);
    assert.deepEqual(result.value, { ...doc, spec: { sink: { type: 'stdout', config: { pretty: true } } } });
  });

  void it('passes through documents without a spec', () => {
    const secret = { kind: 'Secret', stringData: { a: 'b' } };
    assert.deepEqual(normalizeDataFlow(secret).value, secret);
  });
});
