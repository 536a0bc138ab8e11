import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import { kafkaConfig } from './client.js';
import { resolveConnection, resolveSecurityProtocol } from './connection.js';
import { Section } from '../config-section.js';
import { silentLogger } from '../../runtime/silent-logger.js';

function secrets(values: Record<string, string>): SecretReader {
  return {
    read: ({ name, key }) => {
      const value = values[`${name}/${key}`];
      return value === undefined ? Promise.reject(new Error(`no secret ${name}/${key}`)) : Promise.resolve(value);
    },
  };
}

const section = (config: Record<string, unknown>): Section => new Section(config, 'kafka source');
const base = { brokers: ['127.0.0.1:9092'], topic: 'orders' };

void describe('kafka securityProtocol', () => {
  void it('is inferred from the tls and sasl blocks', () => {
    assert.equal(resolveSecurityProtocol(section({})), 'PLAINTEXT');
    assert.equal(resolveSecurityProtocol(section({ tls: {} })), 'SSL');
    assert.equal(resolveSecurityProtocol(section({ sasl: {} })), 'SASL_PLAINTEXT');
    assert.equal(resolveSecurityProtocol(section({ tls: {}, sasl: {} })), 'SASL_SSL');
  });

  void it('honours an explicit value, normalising case and dashes', () => {
    assert.equal(resolveSecurityProtocol(section({ securityProtocol: 'ssl' })), 'SSL');
    assert.equal(resolveSecurityProtocol(section({ securityProtocol: 'sasl-ssl', sasl: {} })), 'SASL_SSL');
  });

  void it('rejects an explicit value that contradicts the blocks, naming the field', () => {
    assert.throws(() => resolveSecurityProtocol(section({ securityProtocol: 'SASL_PLAINTEXT' })), /config\.sasl is required by securityProtocol SASL_PLAINTEXT/);
    assert.throws(() => resolveSecurityProtocol(section({ securityProtocol: 'PLAINTEXT', sasl: {} })), /config\.sasl is not used by securityProtocol PLAINTEXT/);
    assert.throws(() => resolveSecurityProtocol(section({ securityProtocol: 'SASL_PLAINTEXT', sasl: {}, tls: {} })), /config\.tls is not used/);
    assert.throws(() => resolveSecurityProtocol(section({ securityProtocol: 'TLS' })), ConfigError);
  });
});

void describe('kafka connection settings', () => {
  void it('reads brokers, topic and SASL credentials from Secrets', async () => {
    const connection = await resolveConnection(
      section({
        brokersSecretRef: { name: 'kafka', key: 'brokers' },
        topicSecretRef: { name: 'kafka', key: 'topic' },
        sasl: { mechanism: 'scram-sha-512', usernameSecretRef: { name: 'kafka', key: 'user' }, passwordSecretRef: { name: 'kafka', key: 'pass' } },
      }),
      secrets({ 'kafka/brokers': ' a:9092, ,b:9093 ', 'kafka/topic': 'events', 'kafka/user': 'alice', 'kafka/pass': 's3cret' }),
    );
    assert.deepEqual(connection.brokers, ['a:9092', 'b:9093']);
    assert.equal(connection.topic, 'events');
    assert.equal(connection.securityProtocol, 'SASL_PLAINTEXT');
    assert.deepEqual(connection.sasl, { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret' });
    assert.equal(connection.tls, undefined);
    const config = kafkaConfig(connection, { log: silentLogger });
    assert.equal(config.clientId, 'dataflow-operator');
    assert.deepEqual(config.sasl, { mechanism: 'scram-sha-512', username: 'alice', password: 's3cret' });
    assert.equal(config.ssl, undefined);
  });

  void it('loads TLS material from files and Secrets and maps insecureSkipVerify', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-kafka-tls-'));
    try {
      await writeFile(join(dir, 'ca.pem'), 'CA-PEM');
      const connection = await resolveConnection(
        section({ ...base, tls: { caFile: join(dir, 'ca.pem'), certSecretRef: { name: 'tls', key: 'crt' }, keySecretRef: { name: 'tls', key: 'key' } } }),
        secrets({ 'tls/crt': 'CERT-PEM', 'tls/key': 'KEY-PEM' }),
      );
      assert.equal(connection.securityProtocol, 'SSL');
      const ssl = kafkaConfig(connection, { log: silentLogger }).ssl;
      assert.deepEqual(ssl, { minVersion: 'TLSv1.2', rejectUnauthorized: true, ca: ['CA-PEM'], cert: 'CERT-PEM', key: 'KEY-PEM' });

      const skip = await resolveConnection(section({ ...base, tls: { insecureSkipVerify: true } }), secrets({}));
      assert.deepEqual(kafkaConfig(skip, { log: silentLogger }).ssl, { minVersion: 'TLSv1.2', rejectUnauthorized: false });

      // SSL without a tls block: the system trust store.
      const system = await resolveConnection(section({ ...base, securityProtocol: 'SSL' }), secrets({}));
      assert.deepEqual(kafkaConfig(system, { log: silentLogger }).ssl, { minVersion: 'TLSv1.2', rejectUnauthorized: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('turns every problem into a ConfigError naming the field, never a secret value', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ topic: 'x' }, /config\.brokers must list at least one broker/],
      [{ brokers: ['nohost'], topic: 'x' }, /config\.brokers has "nohost", which is not host:port/],
      [{ brokers: ['a:1'] }, /config\.topic must name a topic/],
      [{ brokers: ['a:1'], topic: 'bad topic' }, /not a legal Kafka topic name/],
      [{ ...base, sasl: { username: 'alice' } }, /config\.sasl\.password is required/],
      [{ ...base, sasl: { mechanism: 'gssapi', username: 'a', password: 'b' } }, /config\.sasl\.mechanism must be one of plain, scram-sha-256, scram-sha-512/],
      [{ ...base, sasl: { username: 'alice', passwordSecretRef: { name: 'missing', key: 'pw' } } }, /config\.sasl\.passwordSecretRef could not be read/],
      [{ ...base, tls: { caFile: '/nonexistent/ca.pem' } }, /config\.tls\.caFile: cannot read \/nonexistent\/ca\.pem/],
      [{ ...base, tls: { certFile: '/etc/hostname' } }, /config\.tls\.keyFile a client certificate needs its private key/],
      [{ ...base, tls: { insecureSkipVerify: true, caSecretRef: { name: 's', key: 'ca' } } }, /insecureSkipVerify cannot be combined with a CA/],
    ];
    for (const [config, pattern] of cases) {
      await assert.rejects(resolveConnection(section(config), secrets({ 's/ca': 'CA' })), (error: unknown) => {
        assert.ok(error instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(config)}`);
        assert.match(error.message, pattern);
        assert.match(error.message, /^kafka source: /);
        return true;
      });
    }
  });
});
