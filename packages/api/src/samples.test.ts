// Every shipped manifest (deploy/samples, examples) validates, stays valid with defaults applied, and
// the legacy sample means exactly what its canonical twin would.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { DataFlow } from './dataflow.js';
import { applyDefaults } from './defaults.js';
import { isPlainObject } from './json-util.js';
import { normalizeDataFlow } from './normalize.js';
import { connectorMustHaves, transformMustHaves } from './schema.js';
import { validateDataFlow, validateSpec } from './validate.js';

// dist/samples.test.js → repository root
const root = fileURLToPath(new URL('../../../', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

function dataFlowsIn(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(join(root, file), 'utf8'));
  assert.ok(Array.isArray(docs), `${file}: no documents`);
  return docs
    .map((d) => {
      assert.deepEqual(d.errors, [], `${file}: YAML errors`);
      return d.toJS() as unknown;
    })
    .filter((d) => (d as { kind?: unknown }).kind === 'DataFlow');
}

const files = [...yamlFiles('deploy/samples'), ...yamlFiles('examples')];

void describe('samples', () => {
  void it('include one file per seed feature', () => {
    const names = files.map((f) => f.split('/').pop());
    for (const expected of [
      'kafka-to-postgres.yaml',
      'kafka-to-postgres-secrets.yaml',
      'kafka-to-postgres-with-errors.yaml',
      'kafka-to-postgres-with-resources.yaml',
      'kafka-to-clickhouse.yaml',
      'kafka-to-trino-keycloak.yaml',
      'postgres-to-kafka-router.yaml',
      'router-multi-sink.yaml',
      'flatten-example.yaml',
      'mask-select-case-chain.yaml',
      'clickhouse-source.yaml',
      'trino-source.yaml',
      'clickhouse-to-kafka.yaml',
      'trino-to-postgres.yaml',
      'kafka-avro-schema-registry.yaml',
      'file-to-stdout.yaml',
      'legacy-nested-shape.yaml',
      'quickstart.yaml',
    ]) {
      assert.ok(names.includes(expected), `missing ${expected}`);
    }
  });

  for (const file of files) {
    void it(`${file} validates, also with defaults applied`, () => {
      const flows = dataFlowsIn(file);
      assert.equal(flows.length, 1, `${file}: expected exactly one DataFlow`);
      for (const doc of flows) {
        const result = validateDataFlow(doc);
        assert.ok(result.ok, `${file}: ${JSON.stringify(!result.ok && result.issues, null, 2)}`);
        const { metadata, spec } = result.flow;
        const defaulted = applyDefaults(spec, { namespace: metadata.namespace ?? 'default', name: metadata.name ?? '' });
        const again = validateSpec(defaulted, { namespace: 'default' });
        assert.ok(again.ok, `${file} with defaults: ${JSON.stringify(!again.ok && again.issues, null, 2)}`);
      }
    });
  }

  void it('uses the canonical { type, config } shape everywhere except in the legacy sample', () => {
    for (const file of files.filter((f) => !f.endsWith('legacy-nested-shape.yaml'))) {
      for (const doc of dataFlowsIn(file)) assert.deepEqual(normalizeDataFlow(doc).legacyPaths, [], file);
    }
  });

  // The CRD's CEL rules are generated from these tables; they must never reject a flow validateSpec
  // accepts, and every shipped flow is such a flow.
  void it('satisfy the must-have tables the CRD CEL rules are generated from', () => {
    const tables = { source: connectorMustHaves('source'), sink: connectorMustHaves('sink'), transform: transformMustHaves() };
    const check = (item: unknown, table: Record<string, string[][]>, where: string): void => {
      assert.ok(isPlainObject(item) && isPlainObject(item['config']), `${where}: not { type, config }`);
      const config = item['config'];
      for (const group of table[String(item['type'])] ?? []) {
        assert.ok(group.some((field) => config[field] !== undefined), `${where}: none of ${group.join(', ')}`);
      }
    };
    for (const file of files) {
      for (const doc of dataFlowsIn(file)) {
        const spec = (normalizeDataFlow(doc).value as DataFlow).spec;
        check(spec.source, tables.source, `${file} source`);
        check(spec.sink, tables.sink, `${file} sink`);
        if (spec.errors !== undefined) check(spec.errors, tables.sink, `${file} errors`);
        for (const t of spec.transformations ?? []) {
          check(t, tables.transform, `${file} ${t.type}`);
          if (t.type === 'router') for (const route of t.config.routes) check(route.sink, tables.sink, `${file} route`);
        }
      }
    }
  });

  void it('normalises the legacy sample to the canonical shape', () => {
    const [legacy] = dataFlowsIn('deploy/samples/legacy-nested-shape.yaml');
    const normalized = normalizeDataFlow(legacy);
    assert.deepEqual(normalized.issues, []);
    assert.deepEqual(normalized.legacyPaths, [
      'spec.source',
      'spec.sink',
      'spec.transformations[0]',
      'spec.transformations[1]',
      'spec.transformations[1].config.routes[0].sink',
    ]);
    const spec = (normalized.value as DataFlow).spec;
    assert.deepEqual(spec.source, { type: 'kafka', config: { brokers: ['kafka:9092'], topic: 'events', consumerGroup: 'dataflow-group' } });
    assert.equal(JSON.stringify(spec).includes('"kafka":{'), false);
  });
});
