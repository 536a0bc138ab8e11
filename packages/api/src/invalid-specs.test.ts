// A table of invalid specs: each must be rejected with an issue at the expected field path whose
// message contains the expected fragment. Each case changes one thing in an otherwise valid spec.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from './json-util.js';
import { validateSpec } from './validate.js';

const kafkaSource = { type: 'kafka', config: { brokers: ['kafka:9092'], topic: 'events' } };
const pgSink = { type: 'postgresql', config: { connectionString: 'postgres://u:p@db:5432/app', table: 'events' } };
const fileSink = (path: string) => ({ type: 'file', config: { path } });

function base(): JsonObject {
  return { source: structuredClone(kafkaSource), sink: structuredClone(pgSink) };
}

/** base() with `patch` applied to spec, or with one item replaced. */
function spec(patch: JsonObject): JsonObject {
  return { ...base(), ...patch };
}

function withSource(config: JsonObject, type = 'kafka'): JsonObject {
  return spec({ source: { type, config } });
}

function withSink(config: JsonObject, type = 'postgresql'): JsonObject {
  return spec({ sink: { type, config } });
}

function withTransforms(...transformations: unknown[]): JsonObject {
  return spec({ transformations });
}

function router(...routes: unknown[]): JsonObject {
  return { type: 'router', config: { routes } };
}

const kafkaSink = (config: JsonObject = {}) => ({ type: 'kafka', config: { brokers: ['kafka:9092'], topic: 'out', ...config } });

interface Case {
  name: string;
  spec: unknown;
  path: string;
  message: string;
  namespace?: string;
}

const cases: Case[] = [
  // document level
  { name: 'spec is not an object', spec: 'kafka', path: 'spec', message: 'must be an object' },
  { name: 'missing source', spec: { sink: pgSink }, path: 'spec.source', message: 'is required' },
  { name: 'missing sink', spec: { source: kafkaSource }, path: 'spec.sink', message: 'is required' },
  { name: 'unknown top-level field', spec: spec({ replica: 2 }), path: 'spec.replica', message: 'unknown field "replica" (allowed: source, transformations' },
  // item types
  { name: 'misspelt source type', spec: spec({ source: { type: 'kafak', config: {} } }), path: 'spec.source.type', message: 'unknown type "kafak" (allowed: kafka, postgresql' },
  { name: 'missing source type', spec: spec({ source: { config: {} } }), path: 'spec.source.type', message: 'is required' },
  { name: 'sink-only type as source', spec: spec({ source: { type: 'stdout', config: {} } }), path: 'spec.source.type', message: 'unknown type "stdout"' },
  { name: 'source-only type as sink', spec: spec({ sink: { type: 'generator', config: {} } }), path: 'spec.sink.type', message: 'unknown type "generator"' },
  { name: 'config is not an object', spec: spec({ sink: { type: 'postgresql', config: 'table=x' } }), path: 'spec.sink.config', message: 'must be an object' },
  { name: 'unknown item field', spec: spec({ sink: { ...pgSink, conf: {} } }), path: 'spec.sink.conf', message: 'unknown field "conf" (allowed: type, config)' },
  // kafka
  { name: 'kafka without brokers', spec: withSource({ topic: 't' }), path: 'spec.source.config.brokers', message: 'brokersSecretRef' },
  { name: 'kafka without topic', spec: withSource({ brokers: ['k:9092'] }), path: 'spec.source.config.topic', message: 'topicSecretRef' },
  { name: 'kafka empty brokers', spec: withSource({ brokers: [], topic: 't' }), path: 'spec.source.config.brokers', message: 'must not be empty' },
  { name: 'kafka broker without port', spec: withSource({ brokers: ['kafka'], topic: 't' }), path: 'spec.source.config.brokers[0]', message: 'must match' },
  { name: 'kafka topic with a space', spec: withSource({ brokers: ['k:9092'], topic: 'my topic' }), path: 'spec.source.config.topic', message: 'must match' },
  { name: 'kafka unknown field', spec: withSource({ brokers: ['k:9092'], topic: 't', bootstrapServers: 'k:9092' }), path: 'spec.source.config.bootstrapServers', message: 'unknown field "bootstrapServers" (allowed: brokers' },
  { name: 'kafka unknown format', spec: withSource({ brokers: ['k:9092'], topic: 't', format: 'protobuf' }), path: 'spec.source.config.format', message: 'must be one of: json, avro' },
  { name: 'kafka avro without a schema', spec: withSource({ brokers: ['k:9092'], topic: 't', format: 'avro' }), path: 'spec.source.config.format', message: 'needs a schema' },
  { name: 'kafka SASL without password', spec: withSource({ brokers: ['k:9092'], topic: 't', sasl: { username: 'u' } }), path: 'spec.source.config.sasl.password', message: 'passwordSecretRef' },
  { name: 'kafka SASL unknown mechanism', spec: withSource({ brokers: ['k:9092'], topic: 't', sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }), path: 'spec.source.config.sasl.mechanism', message: 'must be one of: plain' },
  { name: 'kafka SASL_SSL without sasl', spec: withSource({ brokers: ['k:9092'], topic: 't', securityProtocol: 'SASL_SSL' }), path: 'spec.source.config.sasl', message: 'needs SASL credentials' },
  { name: 'SecretRef without key', spec: withSource({ brokersSecretRef: { name: 's' }, topic: 't' }), path: 'spec.source.config.brokersSecretRef.key', message: 'is required' },
  { name: 'SecretRef in another namespace', spec: withSource({ brokers: ['k:9092'], topicSecretRef: { name: 's', key: 'topic', namespace: 'other' } }), namespace: 'team-a', path: 'spec.source.config.topicSecretRef.namespace', message: "flow's namespace" },
  { name: 'literal and SecretRef together', spec: withSource({ brokers: ['k:9092'], brokersSecretRef: { name: 's', key: 'b' }, topic: 't' }), path: 'spec.source.config.brokersSecretRef', message: 'not both' },
  { name: 'kafka sink key with both path and metadata', spec: spec({ sink: kafkaSink({ key: { path: 'id', metadata: 'id' } }) }), path: 'spec.sink.config.key', message: 'exactly one of path' },
  // postgresql
  { name: 'postgresql sink without table', spec: withSink({ connectionString: 'postgres://db/app' }), path: 'spec.sink.config.table', message: 'tableSecretRef' },
  { name: 'postgresql sink without connection', spec: withSink({ table: 't' }), path: 'spec.sink.config.connectionString', message: 'connectionStringSecretRef' },
  { name: 'postgresql batchSize 0', spec: withSink({ ...pgSink.config, batchSize: 0 }), path: 'spec.sink.config.batchSize', message: 'must be >= 1' },
  { name: 'postgresql batchSize as text', spec: withSink({ ...pgSink.config, batchSize: 'ten' }), path: 'spec.sink.config.batchSize', message: 'must be an integer (got a string)' },
  { name: 'postgresql ifNewer without version column', spec: withSink({ ...pgSink.config, upsertMode: true, upsertStrategy: 'ifNewer' }), path: 'spec.sink.config.upsertVersionColumn', message: 'ifNewer' },
  { name: 'postgresql source pollInterval 0', spec: withSource({ connectionString: 'postgres://db/app', table: 't', pollInterval: 0 }, 'postgresql'), path: 'spec.source.config.pollInterval', message: 'must be >= 1' },
  { name: 'postgresql source without table or query', spec: withSource({ connectionString: 'postgres://db/app' }, 'postgresql'), path: 'spec.source.config.table', message: 'query' },
  // clickhouse, trino, local connectors
  { name: 'clickhouse native protocol', spec: withSink({ connectionString: 'clickhouse://ch:9000/db', table: 't' }, 'clickhouse'), path: 'spec.sink.config.connectionString', message: 'HTTP interface' },
  { name: 'trino keycloak without a grant', spec: withSink({ serverURL: 'http://trino:8080', catalog: 'c', schema: 's', table: 't', keycloak: { serverURL: 'https://kc', realm: 'r' } }, 'trino'), path: 'spec.sink.config.keycloak', message: 'choose a grant' },
  { name: 'trino without catalog', spec: withSink({ serverURL: 'http://trino:8080', schema: 's', table: 't' }, 'trino'), path: 'spec.sink.config.catalog', message: 'catalogSecretRef' },
  { name: 'file source without path', spec: withSource({}, 'file'), path: 'spec.source.config.path', message: 'is required' },
  { name: 'generator rate 0', spec: withSource({ template: { id: '{{seq}}' }, ratePerSecond: 0 }, 'generator'), path: 'spec.source.config.ratePerSecond', message: 'greater than 0' },
  // top-level fields
  { name: 'replicas > 1 for a polling source', spec: { source: { type: 'postgresql', config: { connectionString: 'postgres://db/app', table: 't' } }, sink: pgSink, replicas: 2 }, path: 'spec.replicas', message: 'only a kafka source' },
  { name: 'replicas above the maximum', spec: spec({ replicas: 101 }), path: 'spec.replicas', message: 'must be <= 100' },
  { name: 'negative replicas', spec: spec({ replicas: -1 }), path: 'spec.replicas', message: 'must be >= 0' },
  { name: 'channelBufferSize 0', spec: spec({ channelBufferSize: 0 }), path: 'spec.channelBufferSize', message: 'must be >= 1' },
  { name: 'checkpointSaveInterval not a duration', spec: spec({ checkpointSaveInterval: '30 seconds' }), path: 'spec.checkpointSaveInterval', message: 'must match' },
  { name: 'unknown logLevel', spec: spec({ logLevel: 'verbose' }), path: 'spec.logLevel', message: 'must be one of: debug, info, warn, error' },
  { name: 'resources not an object', spec: spec({ resources: '500m' }), path: 'spec.resources', message: 'must be an object' },
  { name: 'toleration not an object', spec: spec({ tolerations: ['dedicated'] }), path: 'spec.tolerations[0]', message: 'must be an object' },
  { name: 'imagePullSecret without name', spec: spec({ imagePullSecrets: [{}] }), path: 'spec.imagePullSecrets[0].name', message: 'is required' },
  { name: 'nodeSelector value not a string', spec: spec({ nodeSelector: { 'kubernetes.io/arch': 1 } }), path: 'spec.nodeSelector["kubernetes.io/arch"]', message: 'must be a string' },
  // transformations
  { name: 'transformations not a list', spec: spec({ transformations: { type: 'filter' } }), path: 'spec.transformations', message: 'must be an array' },
  { name: 'too many transformations', spec: withTransforms(...Array.from({ length: 65 }, () => ({ type: 'snakeCase', config: {} }))), path: 'spec.transformations', message: 'at most 64 items' },
  { name: 'unknown transformation type', spec: withTransforms({ type: 'uppercase', config: {} }), path: 'spec.transformations[0].type', message: 'unknown type "uppercase" (allowed: timestamp, flatten' },
  { name: 'filter without condition', spec: withTransforms({ type: 'filter', config: {} }), path: 'spec.transformations[0].config.condition', message: 'is required' },
  { name: 'filter with a bare word literal', spec: withTransforms({ type: 'filter', config: { condition: 'status == active' } }), path: 'spec.transformations[0].config.condition', message: 'invalid condition' },
  { name: 'mask with no fields', spec: withTransforms({ type: 'mask', config: { fields: [] } }), path: 'spec.transformations[0].config.fields', message: 'must not be empty' },
  { name: 'flatten with a broken path', spec: withTransforms({ type: 'flatten', config: { field: 'items[' } }), path: 'spec.transformations[0].config.field', message: 'invalid path' },
  { name: 'cast to an unknown type', spec: withTransforms({ type: 'cast', config: { spec: { amount: 'integer' } } }), path: 'spec.transformations[0].config.spec.amount', message: 'must be one of: string, int64' },
  { name: 'timezone unknown zone', spec: withTransforms({ type: 'timezone', config: { timezone: 'Mars/Olympus', fields: ['ts'] } }), path: 'spec.transformations[0].config.timezone', message: 'unknown time zone' },
  { name: 'replaceField include and exclude', spec: withTransforms({ type: 'replaceField', config: { include: ['a'], exclude: ['b'] } }), path: 'spec.transformations[0].config', message: 'mutually exclusive' },
  // router
  { name: 'router without routes', spec: withTransforms({ type: 'router', config: { routes: [] } }), path: 'spec.transformations[0].config.routes', message: 'must not be empty' },
  { name: 'route without sink', spec: withTransforms(router({ condition: '$.a' })), path: 'spec.transformations[0].config.routes[0].sink', message: 'is required' },
  { name: 'route without condition', spec: withTransforms(router({ sink: kafkaSink() })), path: 'spec.transformations[0].config.routes[0].condition', message: 'is required' },
  { name: 'route sink of unknown type', spec: withTransforms(router({ condition: '$.a', sink: { type: 'kafak', config: {} } })), path: 'spec.transformations[0].config.routes[0].sink.type', message: 'unknown type "kafak"' },
  { name: 'route sink without topic', spec: withTransforms(router({ condition: '$.a', sink: { type: 'kafka', config: { brokers: ['k:9092'] } } })), path: 'spec.transformations[0].config.routes[0].sink.config.topic', message: 'topicSecretRef' },
  { name: 'route sink with a bad batchSize', spec: withTransforms(router({ condition: '$.a', sink: { type: 'postgresql', config: { ...pgSink.config, batchSize: -1 } } })), path: 'spec.transformations[0].config.routes[0].sink.config.batchSize', message: 'must be >= 1' },
  { name: 'route with a bad condition', spec: withTransforms(router({ condition: '$.a ==', sink: kafkaSink() })), path: 'spec.transformations[0].config.routes[0].condition', message: 'invalid condition' },
  { name: 'duplicate route names in one router', spec: withTransforms(router({ name: 'a', condition: '$.x', sink: kafkaSink() }, { name: 'a', condition: '$.y', sink: kafkaSink() })), path: 'spec.transformations[0].config.routes[1].name', message: 'duplicate route name' },
  { name: 'duplicate route names across routers', spec: withTransforms(router({ name: 'a', condition: '$.x', sink: kafkaSink() }), router({ name: 'a', condition: '$.y', sink: kafkaSink() })), path: 'spec.transformations[1].config.routes[0].name', message: 'unique in the flow' },
  { name: 'route name not DNS-like', spec: withTransforms(router({ name: 'Big Orders', condition: '$.x', sink: kafkaSink() })), path: 'spec.transformations[0].config.routes[0].name', message: 'must match' },
  // error sink
  { name: 'error sink file without path', spec: spec({ errors: { type: 'file', config: {} } }), path: 'spec.errors.config.path', message: 'is required' },
  { name: 'error sink of a source-only type', spec: spec({ errors: { type: 'generator', config: {} } }), path: 'spec.errors.type', message: 'unknown type "generator"' },
  { name: 'error sink kafka without brokers', spec: spec({ errors: { type: 'kafka', config: { topic: 'dlq' } } }), path: 'spec.errors.config.brokers', message: 'brokersSecretRef' },
  // legacy shape
  { name: 'legacy key and config disagree', spec: spec({ source: { type: 'kafka', config: kafkaSource.config, kafka: { brokers: ['other:9092'], topic: 'x' } } }), path: 'spec.source.kafka', message: 'both config and the legacy nested "kafka" are set and differ' },
  { name: 'legacy key of another type', spec: spec({ sink: { type: 'postgresql', config: pgSink.config, kafka: { topic: 'x' } } }), path: 'spec.sink.kafka', message: 'does not match type "postgresql"' },
  { name: 'legacy shape with an invalid value', spec: spec({ sink: { type: 'file', file: { path: '' } }, errors: fileSink('/tmp/e') }), path: 'spec.sink.config.path', message: 'must not be empty' },
];

void describe('invalid specs', () => {
  void it('has at least 40 cases', () => {
    assert.ok(cases.length >= 40, `${cases.length} cases`);
  });

  void it('starts from a valid base spec', () => {
    assert.deepEqual(validateSpec(base()), { ok: true, spec: base() });
  });

  for (const c of cases) {
    void it(`${c.name} → ${c.path}`, () => {
      const result = validateSpec(c.spec, c.namespace === undefined ? {} : { namespace: c.namespace });
      assert.equal(result.ok, false, 'expected the spec to be rejected');
      if (result.ok) return;
      const hit = result.issues.find((i) => i.path === c.path && i.message.includes(c.message));
      assert.ok(hit, `no issue at ${c.path} containing ${JSON.stringify(c.message)}; got:\n${result.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    });
  }
});
