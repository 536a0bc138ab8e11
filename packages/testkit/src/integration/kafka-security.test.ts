// Kafka connectors over SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), SSL (CA, mutual TLS
// with Secrets) and SASL_SSL against the real broker, and the errors for wrong credentials and an
// untrusted certificate: clear, non-retriable, naming what to check.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Message } from '@dataflow/worker';
import { ConnectionError, DataflowError, ErrorCode, KafkaSink, KafkaSource, parseKafkaSinkConfig, parseKafkaSourceConfig } from '@dataflow/worker';
import { testContext } from '../context.js';
import { makeMessage } from '../messages.js';
import { serviceSkipReason } from '../services.js';
import { createTopic, kafkaAvailable, readMessages, services, uniqueName } from './kafka-helpers.js';

const available = await kafkaAvailable();
const timeout = (): AbortSignal => AbortSignal.timeout(30_000);
const list = (brokers: string): string[] => brokers.split(',');

/** Writes one message through a sink and reads it back through a source, both with `connection`. */
async function roundTrip(connection: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<Message> {
  const topic = uniqueName('secure');
  await createTopic(topic, 1);
  const sink = new KafkaSink(parseKafkaSinkConfig({ ...connection, topic }), testContext({ secrets }));
  try {
    await sink.open(timeout());
    assert.deepEqual((await sink.write([makeMessage({ secret: 'hello' }, { key: 'k' })], timeout())).failed, []);
  } finally {
    await sink.close();
  }
  const source = new KafkaSource(parseKafkaSourceConfig({ ...connection, topic, consumerGroup: uniqueName('group') }), testContext({ secrets }));
  try {
    await source.open(timeout());
    const [message] = await readMessages(source, 1);
    return message as Message;
  } finally {
    await source.close();
  }
}

/** open() of a source with `connection` rejects with a non-retriable config error matching `pattern`. */
async function refused(connection: Record<string, unknown>, pattern: RegExp): Promise<void> {
  const source = new KafkaSource(parseKafkaSourceConfig({ ...connection, topic: 'never-created', consumerGroup: uniqueName('group') }), testContext());
  try {
    await assert.rejects(source.open(timeout()), (error: unknown) => {
      assert.ok(error instanceof DataflowError, `expected a DataflowError, got ${String(error)}`);
      assert.equal(error.retriable, false, `not retriable: ${error.message}`);
      assert.equal(error.code, ErrorCode.config);
      assert.match(error.message, pattern);
      return true;
    });
  } finally {
    await source.close();
  }
}

if (!available) {
  void it('kafka security integration', (t) => t.skip(serviceSkipReason('kafka', services.kafkaBrokers)));
} else {
  const user = services.kafkaUser;
  const password = services.kafkaPassword;

  void describe('kafka SASL', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      void it(`${mechanism}: writes and reads with the right password`, async () => {
        const message = await roundTrip({ brokers: list(services.kafkaSaslBrokers), sasl: { mechanism, username: user, passwordSecretRef: { name: 'kafka', key: 'password' } } }, { 'kafka/password': password });
        assert.deepEqual(message.value, { secret: 'hello' });
      });

      void it(`${mechanism}: a wrong password is a clear non-retriable error`, async () => {
        await refused({ brokers: list(services.kafkaSaslBrokers), sasl: { mechanism, username: user, password: 'wrong-password' } }, new RegExp(`^kafka source: SASL authentication failed for user ${user}: .*(Invalid username or password|authentication failed|invalid credentials)`, 'i'));
      });
    }

    void it('the sink reports a wrong password the same way', async () => {
      const sink = new KafkaSink(parseKafkaSinkConfig({ brokers: list(services.kafkaSaslBrokers), topic: 'never-created', sasl: { mechanism: 'scram-sha-512', username: user, password: 'nope' } }), testContext());
      try {
        await assert.rejects(sink.open(timeout()), (error: unknown) => error instanceof DataflowError && !error.retriable && /^kafka sink: SASL authentication failed for user alice/.test(error.message));
      } finally {
        await sink.close();
      }
    });
  });

  void describe('kafka TLS', () => {
    void it('SSL with the CA from a file', async () => {
      const message = await roundTrip({ brokers: list(services.kafkaSslBrokers), tls: { caFile: services.kafkaCa } });
      assert.deepEqual(message.value, { secret: 'hello' });
    });

    void it('SSL with CA, client certificate and key from Secrets (mutual TLS)', async () => {
      const secrets = {
        'tls/ca': await readFile(services.kafkaCa, 'utf8'),
        'tls/crt': await readFile(services.kafkaClientCert, 'utf8'),
        'tls/key': await readFile(services.kafkaClientKey, 'utf8'),
      };
      const tls = { caSecretRef: { name: 'tls', key: 'ca' }, certSecretRef: { name: 'tls', key: 'crt' }, keySecretRef: { name: 'tls', key: 'key' } };
      const message = await roundTrip({ brokers: list(services.kafkaSslBrokers), securityProtocol: 'SSL', tls }, secrets);
      assert.deepEqual(message.value, { secret: 'hello' });
    });

    void it('SASL_SSL with SCRAM-SHA-512 and the CA', async () => {
      const message = await roundTrip({ brokers: list(services.kafkaSaslSslBrokers), tls: { caFile: services.kafkaCa }, sasl: { mechanism: 'scram-sha-512', username: user, password } });
      assert.deepEqual(message.value, { secret: 'hello' });
    });

    void it('a broker certificate not signed by the configured CA is refused with a clear error', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'df-wrong-ca-'));
      try {
        const run = promisify(execFile);
        await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other.key'), '-out', join(dir, 'other.pem'), '-days', '1', '-subj', '/CN=some-other-ca']);
        await refused({ brokers: list(services.kafkaSslBrokers), tls: { caFile: join(dir, 'other.pem') } }, /TLS certificate of the brokers .* was not accepted .*caFile/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    void it('without a CA the system trust store does not know the test CA', async () => {
      await refused({ brokers: list(services.kafkaSslBrokers), securityProtocol: 'SSL' }, /was not accepted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/);
    });

    void it('TLS against a plaintext listener stays retriable (a reset looks the same) but hints at the cause', async () => {
      const source = new KafkaSource(parseKafkaSourceConfig({ brokers: list(services.kafkaBrokers), topic: 'never-created', tls: { caFile: services.kafkaCa } }), testContext());
      try {
        await assert.rejects(source.open(timeout()), (error: unknown) => error instanceof ConnectionError && /is this a TLS listener\? check securityProtocol/.test(error.message));
      } finally {
        await source.close();
      }
    });
  });
}
