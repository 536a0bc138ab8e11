import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { describe, it } from 'node:test';
import { firstHostPort, requireService, requireTcpService, serviceSkipReason, tcpProbe, testServices } from './services.js';

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const { server, port } = await listening();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

void describe('testServices', () => {
  void it('defaults to the ports and credentials of scripts/services', () => {
    const s = testServices({ DATAFLOW_CACHE: '/c' });
    assert.equal(s.pgUrl, 'postgresql://postgres:postgres@127.0.0.1:15432/test');
    assert.equal(s.kafkaBrokers, '127.0.0.1:19092');
    assert.equal(s.kafkaSaslBrokers, '127.0.0.1:19094');
    assert.equal(s.kafkaSslBrokers, '127.0.0.1:19095');
    assert.equal(s.kafkaSaslSslBrokers, '127.0.0.1:19096');
    assert.equal(s.schemaRegistry, 'http://127.0.0.1:18081/apis/ccompat/v7');
    assert.equal(s.kafkaCa, '/c/run/kafka/tls/ca.pem');
    assert.equal(s.kafkaPidFile, '/c/run/kafka/kafka.pid');
    assert.equal(s.pgData, '/c/run/postgres/data');
    assert.equal(s.clickhouseUrl, 'http://127.0.0.1:18123');
    assert.equal(s.clickhouseUser, 'ci');
    assert.equal(s.trinoUrl, 'http://127.0.0.1:18080');
    assert.equal(s.trinoHttpsUrl, 'https://127.0.0.1:18443');
    assert.equal(s.trinoCa, '/c/run/trino/tls/trino.pem');
    assert.equal(s.keycloakTokenUrl, 'http://127.0.0.1:18180/realms/ci/protocol/openid-connect/token');
    assert.equal(s.keycloakClientId, 'ci-app');
  });

  void it('builds the Keycloak token URL from the URL and realm variables', () => {
    const s = testServices({ DATAFLOW_TEST_KEYCLOAK_URL: 'http://kc:8080', DATAFLOW_TEST_KEYCLOAK_REALM: 'r' });
    assert.equal(s.keycloakTokenUrl, 'http://kc:8080/realms/r/protocol/openid-connect/token');
  });

  void it('takes every DATAFLOW_TEST_* variable that is set and not empty', () => {
    const s = testServices({
      DATAFLOW_TEST_PG_URL: 'postgresql://u:p@db:5432/x',
      DATAFLOW_TEST_KAFKA_BROKERS: 'k1:9092,k2:9092',
      DATAFLOW_TEST_KAFKA_CA: '/tls/ca.pem',
      DATAFLOW_TEST_SCHEMA_REGISTRY: '',
    });
    assert.equal(s.pgUrl, 'postgresql://u:p@db:5432/x');
    assert.equal(s.kafkaBrokers, 'k1:9092,k2:9092');
    assert.equal(s.kafkaCa, '/tls/ca.pem');
    assert.equal(s.schemaRegistry, 'http://127.0.0.1:18081/apis/ccompat/v7');
  });
});

void describe('firstHostPort', () => {
  void it('parses the first entry of a list and rejects a missing port', () => {
    assert.deepEqual(firstHostPort('a.b:19094, c:1'), { host: 'a.b', port: 19094 });
    assert.throws(() => firstHostPort('nohost'), /not a host:port list/);
  });
});

void describe('tcpProbe', () => {
  void it('resolves against a listening port', async () => {
    const { server, port } = await listening();
    try {
      await tcpProbe('127.0.0.1', port);
    } finally {
      server.close();
    }
  });

  void it('rejects naming the address when nothing listens', async () => {
    const port = await closedPort();
    await assert.rejects(tcpProbe('127.0.0.1', port), new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}`));
  });
});

void describe('requireService', () => {
  const down = (): Promise<void> => Promise.reject(new Error('ECONNREFUSED'));

  void it('returns true when the probe succeeds', async () => {
    assert.equal(await requireService('kafka', () => Promise.resolve(), { env: { CI: 'true' } }), true);
  });

  void it('returns false off CI so the caller can skip', async () => {
    assert.equal(await requireService('kafka', down, { env: {} }), false);
    assert.equal(await requireService('kafka', down, { env: { CI: 'false' } }), false);
  });

  void it('throws on CI, naming the service, its address and make services-up', async () => {
    await assert.rejects(
      requireService('kafka', down, { env: { CI: 'true' }, address: '127.0.0.1:19092' }),
      (err: Error) => {
        assert.match(err.message, /^service kafka is not reachable at 127\.0\.0\.1:19092: start it with `make services-up`/);
        assert.match(err.message, /ECONNREFUSED/);
        return true;
      },
    );
  });

  void it('gives up on a probe that never answers after the timeout', async () => {
    const started = performance.now();
    const hang = (): Promise<void> => new Promise(() => undefined);
    assert.equal(await requireService('registry', hang, { env: {}, timeoutMs: 50 }), false);
    assert.ok(performance.now() - started < 2000);
    await assert.rejects(requireService('registry', hang, { env: { CI: 'true' }, timeoutMs: 50 }), /no answer within 50 ms/);
  });

  void it('requireTcpService probes the first host:port of a list', async () => {
    const { server, port } = await listening();
    try {
      assert.equal(await requireTcpService('kafka', `127.0.0.1:${port},127.0.0.1:1`, { env: { CI: 'true' } }), true);
    } finally {
      server.close();
    }
    const closed = await closedPort();
    await assert.rejects(requireTcpService('kafka', `127.0.0.1:${closed}`, { env: { CI: 'true' } }), new RegExp(`at 127\\.0\\.0\\.1:${closed}:`));
  });

  void it('serviceSkipReason matches the CI error text', () => {
    assert.equal(serviceSkipReason('postgres', '127.0.0.1:15432'), 'service postgres is not reachable at 127.0.0.1:15432: start it with `make services-up`');
  });
});
