import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { checkSinkConfig, checkSourceConfig } from './index.js';
import { kafkaSinkSchema, kafkaSourceSchema } from './kafka.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const SRC = 'spec.source.config';
const SINK = 'spec.sink.config';
const source = (config: Record<string, unknown>, ns?: string) => checkSourceConfig('kafka', config, SRC, ns);
const sink = (config: Record<string, unknown>) => checkSinkConfig('kafka', config, SINK, 'team-a');
const minimal = { brokers: ['kafka:9092'], topic: 'orders' };

void describe('kafka source', () => {
  void it('accepts a minimal config and fills in the defaults', () => {
    const config: Record<string, unknown> = { ...minimal };
    assert.deepEqual(schemaErrors(kafkaSourceSchema, config), []);
    assert.deepEqual(source(config), []);
    assert.equal(config['startOffset'], 'earliest');
    assert.equal(config['format'], 'json');
    assert.equal(config['sessionTimeoutMs'], 10000);
    assert.equal(config['heartbeatIntervalMs'], 1000);
    assert.equal(config['consumerGroup'], undefined, 'the consumer group default is computed by the controller');
  });

  void it('accepts a full secure Avro config with Secret references', () => {
    const config = {
      brokersSecretRef: { name: 'kafka', key: 'brokers' },
      topicSecretRef: { name: 'kafka', key: 'topic' },
      consumerGroup: 'orders-reader',
      startOffset: 'latest',
      securityProtocol: 'SASL_SSL',
      tls: { caSecretRef: { name: 'kafka-ca', key: 'ca.crt' } },
      sasl: { mechanism: 'scram-sha-512', usernameSecretRef: { name: 'kafka', key: 'user' }, passwordSecretRef: { name: 'kafka', key: 'pass' } },
      format: 'avro',
      avroSchema: '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}',
      schemaRegistry: { url: 'https://registry:8081', basicAuth: { username: 'r', passwordSecretRef: { name: 'reg', key: 'p' } } },
      maxBytes: 1048576,
    };
    assert.deepEqual(schemaErrors(kafkaSourceSchema, config), []);
    assert.deepEqual(source(config, 'team-a'), []);
  });

  void it('schema rejects malformed brokers, topics, enums and unknown fields', () => {
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, brokers: ['kafka'] }).length, 1);
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, brokers: [] }).length, 1);
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, topic: 'my topic' }).length, 1);
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, startOffset: 'newest' }).length, 1);
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, securityProtocol: 'sasl_ssl' }).length, 1);
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, sasl: { mechanism: 'oauthbearer' } }).length, 1);
    assert.equal(schemaErrors(kafkaSourceSchema, { ...minimal, groupId: 'x' }).length, 1);
  });

  void it('requires brokers and topic, each as a literal or a Secret reference', () => {
    assert.deepEqual(source({}), [
      { path: 'spec.source.config.brokers', message: 'set either brokers or brokersSecretRef' },
      { path: 'spec.source.config.topic', message: 'set either topic or topicSecretRef' },
    ]);
  });

  void it('rejects a literal together with its Secret reference', () => {
    assert.deepEqual(source({ ...minimal, consumerGroup: 'g', consumerGroupSecretRef: { name: 'k', key: 'g' } }), [
      { path: 'spec.source.config.consumerGroupSecretRef', message: 'set either consumerGroup or consumerGroupSecretRef, not both' },
    ]);
  });

  void it('rejects a Secret reference to another namespace', () => {
    assert.deepEqual(source({ ...minimal, sasl: { username: 'u', passwordSecretRef: { name: 's', key: 'p', namespace: 'other' } } }, 'team-a'), [
      {
        path: 'spec.source.config.sasl.passwordSecretRef.namespace',
        message: 'Secrets must live in the flow\'s namespace "team-a": remove namespace and create the Secret in "team-a"',
      },
    ]);
  });

  void it('requires both SASL credentials', () => {
    assert.deepEqual(source({ ...minimal, sasl: { mechanism: 'plain', username: 'u' } }), [
      { path: 'spec.source.config.sasl.password', message: 'set either password or passwordSecretRef' },
    ]);
  });

  void it('checks securityProtocol against tls and sasl', () => {
    const sasl = { username: 'u', password: 'p' };
    assert.deepEqual(source({ ...minimal, securityProtocol: 'SASL_SSL' }), [
      { path: 'spec.source.config.sasl', message: 'securityProtocol SASL_SSL needs SASL credentials: add sasl, or change securityProtocol' },
    ]);
    assert.deepEqual(source({ ...minimal, securityProtocol: 'PLAINTEXT', tls: {}, sasl }), [
      { path: 'spec.source.config.sasl', message: 'securityProtocol PLAINTEXT does not use SASL: remove sasl, or use SASL_PLAINTEXT' },
      { path: 'spec.source.config.tls', message: 'securityProtocol PLAINTEXT does not use TLS: remove tls, or use SSL' },
    ]);
    assert.deepEqual(source({ ...minimal, securityProtocol: 'SASL_PLAINTEXT', tls: {}, sasl }), [
      { path: 'spec.source.config.tls', message: 'securityProtocol SASL_PLAINTEXT does not use TLS: remove tls, or use SASL_SSL' },
    ]);
    assert.deepEqual(source({ ...minimal, securityProtocol: 'SSL', sasl }), [
      { path: 'spec.source.config.sasl', message: 'securityProtocol SSL does not use SASL: remove sasl, or use SASL_SSL' },
    ]);
    assert.deepEqual(source({ ...minimal, securityProtocol: 'SSL' }), [], 'SSL without a tls block uses the system trust store');
  });

  void it('checks TLS material', () => {
    assert.deepEqual(source({ ...minimal, tls: { insecureSkipVerify: true, caFile: '/ca.pem', certFile: '/c.pem' } }), [
      { path: 'spec.source.config.tls.insecureSkipVerify', message: 'insecureSkipVerify ignores the CA: remove it, or remove caFile/caSecretRef' },
      { path: 'spec.source.config.tls.keyFile', message: 'a client certificate needs its private key: set keyFile or keySecretRef' },
    ]);
    assert.deepEqual(source({ ...minimal, tls: { caFile: '/ca.pem', caSecretRef: { name: 'ca', key: 'ca' } } }), [
      { path: 'spec.source.config.tls.caSecretRef', message: 'set only one of caFile, caSecretRef' },
    ]);
    assert.deepEqual(source({ ...minimal, tls: { keySecretRef: { name: 'k', key: 'tls.key' } } }), [
      { path: 'spec.source.config.tls.certFile', message: 'a private key needs its client certificate: set certFile or certSecretRef' },
    ]);
  });

  void it('requires a schema source for avro and a parsable avroSchema', () => {
    assert.deepEqual(source({ ...minimal, format: 'avro' }), [
      { path: 'spec.source.config.format', message: 'format avro needs a schema: set avroSchema, avroSchemaFile, avroSchemaSecretRef or schemaRegistry' },
    ]);
    const bad = source({ ...minimal, format: 'avro', avroSchema: '{"type": record}' });
    assert.equal(bad.length, 1);
    assert.equal(bad[0]?.path, 'spec.source.config.avroSchema');
    assert.match(bad[0]?.message ?? '', /^must be an Avro schema in JSON: /);
    assert.deepEqual(source({ ...minimal, format: 'avro', avroSchema: '"string"', avroSchemaFile: '/s.avsc' }), [
      { path: 'spec.source.config.avroSchemaFile', message: 'set only one of avroSchema, avroSchemaFile, avroSchemaSecretRef' },
    ]);
  });

  void it('rejects Avro settings without format avro', () => {
    assert.deepEqual(source({ ...minimal, schemaRegistry: { url: 'http://r:8081' } }), [
      { path: 'spec.source.config.schemaRegistry', message: 'schemaRegistry is used only with format avro: set format: avro, or remove schemaRegistry' },
    ]);
  });

  void it('checks the Schema Registry block', () => {
    assert.deepEqual(source({ ...minimal, format: 'avro', schemaRegistry: { basicAuth: { username: 'u' } } }), [
      { path: 'spec.source.config.schemaRegistry.url', message: 'set either url or urlSecretRef' },
      { path: 'spec.source.config.schemaRegistry.basicAuth.password', message: 'basic authentication needs a password: set either password or passwordSecretRef' },
    ]);
    assert.deepEqual(source({ ...minimal, format: 'avro', schemaRegistry: { url: 'registry:8081' } }), [
      { path: 'spec.source.config.schemaRegistry.url', message: 'must use http:// or https://, e.g. http://schema-registry:8081 (got registry://)' },
    ]);
  });

  void it('keeps the heartbeat below the session timeout', () => {
    assert.deepEqual(source({ ...minimal, sessionTimeoutMs: 6000, heartbeatIntervalMs: 6000 }), [
      { path: 'spec.source.config.heartbeatIntervalMs', message: 'must be below sessionTimeoutMs (6000); a third of it is usual' },
    ]);
  });
});

void describe('kafka sink', () => {
  void it('accepts a minimal config and fills in the defaults', () => {
    const config: Record<string, unknown> = { ...minimal };
    assert.deepEqual(schemaErrors(kafkaSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
    assert.equal(config['compression'], 'none');
    assert.equal(config['idempotent'], true);
    assert.equal(config['batchSize'], 1000);
    assert.equal(config['batchFlushIntervalSeconds'], 1);
    assert.equal(config['forwardHeaders'], false);
    assert.equal(config['format'], 'json');
  });

  void it('accepts keys, headers, compression and registry-based Avro', () => {
    const config = {
      ...minimal,
      key: { path: 'customer.id' },
      headers: { source: 'dataflow' },
      forwardHeaders: true,
      compression: 'zstd',
      format: 'avro',
      schemaRegistry: { urlSecretRef: { name: 'reg', key: 'url' } },
      subject: 'orders-value',
    };
    assert.deepEqual(schemaErrors(kafkaSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
  });

  void it('schema rejects a bad compression, a zero batch and non-string headers', () => {
    assert.equal(schemaErrors(kafkaSinkSchema, { ...minimal, compression: 'brotli' }).length, 1);
    assert.equal(schemaErrors(kafkaSinkSchema, { ...minimal, batchSize: 0 }).length, 1);
    assert.equal(schemaErrors(kafkaSinkSchema, { ...minimal, headers: { n: 1 } }).length, 1);
    assert.equal(schemaErrors(kafkaSinkSchema, { ...minimal, acks: 1 }).length, 1);
  });

  void it('requires exactly one key source', () => {
    const message = 'set exactly one of path (a payload path) and metadata (a metadata key)';
    assert.deepEqual(sink({ ...minimal, key: {} }), [{ path: 'spec.sink.config.key', message }]);
    assert.deepEqual(sink({ ...minimal, key: { path: 'id', metadata: 'key' } }), [{ path: 'spec.sink.config.key', message }]);
  });

  void it('uses subject only with a registry', () => {
    assert.deepEqual(sink({ ...minimal, format: 'avro', avroSchemaFile: '/s.avsc', subject: 'x' }), [
      { path: 'spec.sink.config.subject', message: 'subject is used only with schemaRegistry: add schemaRegistry, or remove subject' },
    ]);
  });

  void it('requires brokers and topic', () => {
    assert.deepEqual(sink({ brokers: [] }), [
      { path: 'spec.sink.config.brokers', message: 'set either brokers or brokersSecretRef' },
      { path: 'spec.sink.config.topic', message: 'set either topic or topicSecretRef' },
    ]);
  });
});
