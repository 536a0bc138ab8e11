// The generated CRD schema must be a valid Kubernetes *structural* schema (it is applied to a real
// API server later; these are the rules the API server enforces, checked now) and the CEL rules must
// only reference fields that exist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SINK_TYPES, SOURCE_TYPES, sinkSchemas, sourceSchemas } from './connectors/index.js';
import type { JsonSchema } from './json-schema.js';
import { connectorMustHaves, crdOpenApiSchema, dataFlowSpecSchema, transformMustHaves } from './schema.js';
import { TRANSFORM_TYPES } from './transforms.js';

/** Keys a CRD schema node may carry (apiextensions v1 JSONSchemaProps subset we use). */
const ALLOWED_KEYS = new Set([
  'type', 'description', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'default',
  'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'pattern', 'format',
  'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-validations',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
]);

interface Visit {
  path: string;
  node: JsonSchema;
  /** True below a connector/transform `config`. */
  inConfig: boolean;
  /** The node is the value of a `properties` entry (a field), not an items/additionalProperties schema. */
  isField: boolean;
}

function walk(node: JsonSchema, path: string, inConfig: boolean, isField: boolean, out: Visit[]): void {
  out.push({ path, node, inConfig, isField });
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    walk(child, `${path}.${key}`, inConfig || key === 'config', true, out);
  }
  if (node.items !== undefined) walk(node.items, `${path}[]`, inConfig, false, out);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}{}`, inConfig, false, out);
}

const crd = crdOpenApiSchema();
const nodes: Visit[] = [];
walk(crd, '', false, true, nodes);

function matchesType(value: unknown, type: string | undefined): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

void describe('CRD openAPIV3Schema is structural', () => {
  void it('walks a schema of realistic size', () => {
    assert.ok(nodes.length > 300, `only ${nodes.length} nodes`);
  });

  void it('has a type on every node, unless it preserves unknown fields or is int-or-string', () => {
    const untyped = nodes.filter(
      ({ node }) => node.type === undefined && node['x-kubernetes-preserve-unknown-fields'] !== true && node['x-kubernetes-int-or-string'] !== true,
    );
    assert.deepEqual(untyped.map((v) => v.path), []);
  });

  void it('uses only JSONSchemaProps keys (no anyOf/oneOf/not/allOf/if/then/const)', () => {
    const bad = nodes.flatMap(({ path, node }) => Object.keys(node).filter((k) => !ALLOWED_KEYS.has(k)).map((k) => `${path}: ${k}`));
    assert.deepEqual(bad, []);
  });

  void it('never combines properties with additionalProperties, and never sets additionalProperties to a boolean', () => {
    const bad = nodes.filter(
      ({ node }) => node.additionalProperties !== undefined && (node.properties !== undefined || typeof node.additionalProperties === 'boolean'),
    );
    assert.deepEqual(bad.map((v) => v.path), []);
  });

  void it('describes every field and every array item', () => {
    // Root metadata is the exception the API server enforces (see the next test).
    const undescribed = nodes.filter(({ node, path, isField }) => (isField || path.endsWith('[]')) && !node.description && path !== '.metadata');
    assert.deepEqual(undescribed.map((v) => v.path), []);
  });

  void it('specifies nothing but the type for the root metadata (the API server rejects anything else)', () => {
    assert.deepEqual(crd.properties?.['metadata'], { type: 'object' });
  });

  void it('has no defaults, enums or ranges inside connector and transformation config', () => {
    const keys = ['default', 'enum', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'pattern', 'required', 'x-kubernetes-validations'] as const;
    const bad = nodes
      .filter(({ inConfig, path }) => inConfig && !path.includes('.routes[].sink'))
      .flatMap(({ path, node }) => keys.filter((k) => node[k] !== undefined).map((k) => `${path}: ${k}`));
    assert.deepEqual(bad, []);
  });

  void it('keeps unknown fields inside config (so validateSpec can name them) and prunes elsewhere', () => {
    const configs = nodes.filter(({ path }) => path.endsWith('.config'));
    assert.ok(configs.length >= 5);
    for (const { path, node } of configs) assert.equal(node['x-kubernetes-preserve-unknown-fields'], true, path);
    const preserving = nodes.filter(({ node, inConfig }) => !inConfig && node['x-kubernetes-preserve-unknown-fields'] === true).map((v) => v.path);
    const legacy = new Set([...SOURCE_TYPES, ...SINK_TYPES, ...TRANSFORM_TYPES]);
    const unexpected = preserving.filter((p) => {
      const last = p.split('.').pop() ?? '';
      return !['.spec.resources', '.spec.affinity', '.spec.tolerations[]'].includes(p) && !legacy.has(last as never);
    });
    assert.deepEqual(unexpected, []);
  });

  void it('gives defaults that match their own type', () => {
    const bad = nodes.filter(({ node }) => node.default !== undefined && !matchesType(node.default, node.type));
    assert.deepEqual(bad.map((v) => v.path), []);
  });

  void it('requires the list-map keys of map-type lists', () => {
    const lists = nodes.filter(({ node }) => node['x-kubernetes-list-type'] === 'map');
    assert.ok(lists.length > 0);
    for (const { path, node } of lists) {
      for (const key of node['x-kubernetes-list-map-keys'] ?? []) assert.ok(node.items?.required?.includes(key), `${path}: ${key} not required`);
    }
  });

  void it('merges config properties across types with the types named in the description', () => {
    const source = crd.properties?.['spec']?.properties?.['source']?.properties?.['config'];
    assert.match(source?.properties?.['brokers']?.description ?? '', /^\(kafka\) /);
    const table = source?.properties?.['table']?.description ?? '';
    for (const type of ['postgresql', 'clickhouse', 'trino']) assert.ok(table.includes(type), table);
    // every property of every source type appears in the union
    for (const schema of Object.values(sourceSchemas)) {
      for (const key of Object.keys(schema.properties ?? {})) assert.ok(source?.properties?.[key], `source config lacks ${key}`);
    }
    const sink = crd.properties?.['spec']?.properties?.['sink']?.properties?.['config'];
    for (const schema of Object.values(sinkSchemas)) {
      for (const key of Object.keys(schema.properties ?? {})) assert.ok(sink?.properties?.[key], `sink config lacks ${key}`);
    }
  });

  void it('declares the legacy nested keys on every item', () => {
    const spec = crd.properties?.['spec']?.properties ?? {};
    for (const type of SOURCE_TYPES) assert.equal(spec['source']?.properties?.[type]?.['x-kubernetes-preserve-unknown-fields'], true, type);
    for (const type of SINK_TYPES) assert.equal(spec['errors']?.properties?.[type]?.['x-kubernetes-preserve-unknown-fields'], true, type);
    for (const type of TRANSFORM_TYPES) {
      assert.match(spec['transformations']?.items?.properties?.[type]?.description ?? '', /Legacy nested shape/);
    }
  });

  void it('gives route sinks the full sink item schema', () => {
    const route = crd.properties?.['spec']?.properties?.['transformations']?.items?.properties?.['config']?.properties?.['routes']?.items;
    const sink = route?.properties?.['sink'];
    assert.deepEqual(sink?.properties?.['type']?.enum, [...SINK_TYPES]);
    assert.ok((sink?.['x-kubernetes-validations'] ?? []).length > 0);
  });

  void it('bounds the lists and strings CEL rules iterate over', () => {
    const spec = crd.properties?.['spec'];
    assert.ok(spec?.properties?.['transformations']?.maxItems !== undefined);
    assert.ok(spec?.properties?.['transformations']?.items?.properties?.['config']?.properties?.['routes']?.maxItems !== undefined);
    for (const { path, node } of nodes.filter((v) => v.node['x-kubernetes-validations'] !== undefined && v.path !== '.spec')) {
      assert.ok(node.properties?.['type']?.maxLength !== undefined, `${path}: type needs maxLength`);
    }
  });

  void it('has the top-level defaults and limits of the API', () => {
    const spec = crd.properties?.['spec']?.properties ?? {};
    assert.equal(spec['replicas']?.default, 1);
    assert.equal(spec['replicas']?.minimum, 0);
    assert.equal(spec['suspend']?.default, false);
    assert.equal(spec['channelBufferSize']?.default, 100);
    assert.equal(spec['checkpointPersistence']?.default, true);
    assert.deepEqual(crd.properties?.['spec']?.required, ['source', 'sink']);
  });

  void it('has a status with list-map conditions and int64 counters', () => {
    const status = crd.properties?.['status']?.properties ?? {};
    assert.equal(status['conditions']?.['x-kubernetes-list-type'], 'map');
    for (const counter of ['processedCount', 'errorCount', 'filteredCount', 'deadLetteredCount']) assert.equal(status[counter]?.format, 'int64', counter);
    assert.equal(status['lastProcessedTime']?.format, 'date-time');
    assert.ok(status['selector'] && status['replicas'] && status['phase']?.enum);
  });
});

void describe('CRD CEL rules', () => {
  const rules = nodes.flatMap(({ path, node }) => (node['x-kubernetes-validations'] ?? []).map((r) => ({ path, node, rule: r.rule })));

  void it('exist for the must-have fields of sources, sinks and transformations', () => {
    assert.ok(rules.some((r) => r.path === '.spec.source' && r.rule.includes("self.type != 'kafka'") && r.rule.includes('brokersSecretRef')));
    assert.ok(rules.some((r) => r.path === '.spec.sink' && r.rule.includes("self.type != 'postgresql'") && r.rule.includes('connectionStringSecretRef')));
    assert.ok(rules.some((r) => r.path === '.spec.transformations[]' && r.rule.includes("self.type != 'filter'") && r.rule.includes('condition')));
    assert.ok(rules.some((r) => r.path === '.spec' && r.rule.includes('self.replicas')));
  });

  void it('reference only declared fields in has()', () => {
    for (const { path, node, rule } of rules) {
      for (const [, first, second] of rule.matchAll(/has\(self\.([A-Za-z_]+)(?:\.([A-Za-z_]+))?\)/g)) {
        const child = node.properties?.[first ?? ''];
        assert.ok(child, `${path}: ${rule} uses undeclared ${first}`);
        if (second !== undefined) assert.ok(child.properties?.[second], `${path}: ${rule} uses undeclared ${first}.${second}`);
      }
    }
  });

  void it('cover every must-have group of every type', () => {
    const byRole = { source: connectorMustHaves('source'), sink: connectorMustHaves('sink') };
    assert.deepEqual(byRole.source['kafka'], [['brokers', 'brokersSecretRef'], ['topic', 'topicSecretRef']]);
    assert.deepEqual(byRole.source['file'], [['path']]);
    assert.deepEqual(transformMustHaves()['timezone'], [['timezone'], ['fields']]);
  });
});

void describe('validator schema', () => {
  void it('checks each config against the schema of its type', () => {
    const schema = dataFlowSpecSchema();
    const source = schema.properties?.['source'];
    assert.equal(source?.allOf?.length, SOURCE_TYPES.length);
    assert.deepEqual(source?.allOf?.[0]?.if?.properties?.['type']?.const, 'kafka');
  });
});
