import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { SINK_TYPES, SOURCE_TYPES, checkSinkConfig, checkSourceConfig, isSinkType, isSourceType, sinkSchemas, sourceSchemas } from './index.js';

/** Every node reachable through properties, items and map values, with its path. */
function* schemaNodes(schema: JsonSchema, path: string): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* schemaNodes(child, `${path}.${name}`);
  if (schema.items !== undefined) yield* schemaNodes(schema.items, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') yield* schemaNodes(schema.additionalProperties, `${path}{}`);
}

const allSchemas: Array<[string, JsonSchema]> = [
  ...Object.entries(sourceSchemas).map(([type, schema]): [string, JsonSchema] => [`source.${type}`, schema]),
  ...Object.entries(sinkSchemas).map(([type, schema]): [string, JsonSchema] => [`sink.${type}`, schema]),
];

void describe('connector registry', () => {
  void it('lists the decided connector types, each with a schema', () => {
    assert.deepEqual([...SOURCE_TYPES], ['kafka', 'postgresql', 'clickhouse', 'trino', 'file', 'generator']);
    assert.deepEqual([...SINK_TYPES], ['kafka', 'postgresql', 'clickhouse', 'trino', 'file', 'stdout']);
    assert.deepEqual(Object.keys(sourceSchemas).sort(), [...SOURCE_TYPES].sort());
    assert.deepEqual(Object.keys(sinkSchemas).sort(), [...SINK_TYPES].sort());
  });

  void it('recognises types', () => {
    assert.equal(isSourceType('generator'), true);
    assert.equal(isSourceType('stdout'), false);
    assert.equal(isSinkType('stdout'), true);
    assert.equal(isSinkType('nessie'), false);
    assert.equal(isSinkType(undefined), false);
  });

  void it('gives every schema node a type and a description (CRD and kubectl explain come from them)', () => {
    const missing: string[] = [];
    let count = 0;
    for (const [name, schema] of allSchemas) {
      for (const [path, node] of schemaNodes(schema, name)) {
        count++;
        if (typeof node.type !== 'string') missing.push(`${path}: no type`);
        if (typeof node.description !== 'string' || node.description.trim() === '') missing.push(`${path}: no description`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(count > 300, `walked only ${count} nodes`);
  });

  void it('keeps every connector config a closed object', () => {
    for (const [name, schema] of allSchemas) {
      for (const [path, node] of schemaNodes(schema, name)) {
        if (node.type === 'object' && node.properties !== undefined) assert.equal(node.additionalProperties, false, path);
      }
    }
  });

  void it('declares defaults that satisfy their own schemas', () => {
    const ajv = new Ajv({ strict: false });
    for (const [name, schema] of allSchemas) {
      for (const [path, node] of schemaNodes(schema, name)) {
        if (node.default === undefined) continue;
        const { default: value, ...rest } = node;
        assert.equal(ajv.validate(rest, value), true, `${path}: default ${JSON.stringify(value)}`);
      }
    }
  });

  void it('compiles every schema with ajv', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
    for (const [name, schema] of allSchemas) assert.doesNotThrow(() => ajv.compile(schema), name);
  });
});

void describe('checkSourceConfig / checkSinkConfig', () => {
  void it('run the Secret reference rules for every connector', () => {
    const ref = { name: 'x', key: 'y', namespace: 'elsewhere' };
    const message = 'Secrets must live in the flow\'s namespace "ns": remove namespace and create the Secret in "ns"';
    assert.deepEqual(
      checkSourceConfig('postgresql', { connectionStringSecretRef: ref, table: 't' }, 'spec.source.config', 'ns'),
      [{ path: 'spec.source.config.connectionStringSecretRef.namespace', message }],
    );
    assert.deepEqual(
      checkSinkConfig('kafka', { brokers: ['k:1'], topicSecretRef: ref }, 'spec.transformations[0].config.routes[1].sink.config', 'ns'),
      [{ path: 'spec.transformations[0].config.routes[1].sink.config.topicSecretRef.namespace', message }],
    );
  });

  void it('does not trip over values of the wrong type (left to the schema)', () => {
    assert.deepEqual(checkSinkConfig('postgresql', { connectionString: 42, table: ['t'], batchSize: 'x', upsertMode: 'yes' }, 'c'), []);
    assert.doesNotThrow(() => checkSourceConfig('kafka', { tls: 'yes', sasl: [], schemaRegistry: null, format: 'avro' }, 'c'));
  });
});
