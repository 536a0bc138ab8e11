// Where the real test services are (scripts/services/, `make services-up`) and how an integration
// test decides between running, skipping and failing when one is missing: on CI (CI=true) a
// missing service fails the test; on a developer machine the test is skipped with a reason.
import { Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Connection settings printed by scripts/services/env.sh, with the same defaults. */
export interface TestServices {
  /** postgresql://postgres:postgres@127.0.0.1:15432/test */
  readonly pgUrl: string;
  /** Directory of pg_ctl, for PostgreSQL restart tests. */
  readonly pgBin: string;
  /** Data directory of the PostgreSQL cluster the scripts started. */
  readonly pgData: string;
  readonly kafkaBrokers: string;
  readonly kafkaSaslBrokers: string;
  readonly kafkaSslBrokers: string;
  readonly kafkaSaslSslBrokers: string;
  /** User for SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
  readonly kafkaUser: string;
  readonly kafkaPassword: string;
  /** PEM file of the CA that signed the broker certificate. */
  readonly kafkaCa: string;
  /** Client certificate and key signed by the same CA (mTLS on the SSL listener). */
  readonly kafkaClientCert: string;
  readonly kafkaClientKey: string;
  /** PID file of the broker, for broker-restart tests. */
  readonly kafkaPidFile: string;
  /** Confluent-compatible base URL of the Schema Registry. */
  readonly schemaRegistry: string;
  /** ClickHouse HTTP interface (Debian's 18.16 under the scripts; modern under docker compose). */
  readonly clickhouseUrl: string;
  /** The password user; `default` (no password) exists too. */
  readonly clickhouseUser: string;
  readonly clickhousePassword: string;
  readonly clickhouseDatabase: string;
  /** Trino over plain HTTP: no authentication, send X-Trino-User. */
  readonly trinoUrl: string;
  /** Trino over HTTPS: JWT bearer tokens of the Keycloak realm (audience `trino`). */
  readonly trinoHttpsUrl: string;
  /** PEM certificate of Trino's HTTPS listener (self-signed: trust it as the CA). */
  readonly trinoCa: string;
  /** Keycloak base URL; the issuer is `${keycloakUrl}/realms/${keycloakRealm}`. */
  readonly keycloakUrl: string;
  readonly keycloakRealm: string;
  readonly keycloakTokenUrl: string;
  /** Password-grant user of the realm. */
  readonly keycloakUser: string;
  readonly keycloakPassword: string;
  /** Confidential client: password grant and client credentials; its tokens carry audience `trino`. */
  readonly keycloakClientId: string;
  readonly keycloakClientSecret: string;
  /** Public client: password grant only, no secret. */
  readonly keycloakPublicClientId: string;
  /** Confidential client for client credentials only (no `trino` audience). */
  readonly keycloakServiceClientId: string;
  readonly keycloakServiceClientSecret: string;
  /** scripts/services, to call `kafka.sh restart` or `postgres.sh restart`. */
  readonly servicesDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const PG_PORT = 15432;

/** Reads the DATAFLOW_TEST_* variables; unset ones take the defaults of scripts/services/. */
export function testServices(env: Env = process.env): TestServices {
  const cache = env['DATAFLOW_CACHE'] ?? join(homedir(), '.cache', 'dataflow');
  const run = join(cache, 'run');
  const tls = join(run, 'kafka', 'tls');
  // Same rule as pg_run_dir in scripts/services/lib.sh for the default cache: as root the cluster
  // lives where the postgres user can enter (not under root's home).
  const pgRun = process.getuid?.() === 0 && env['DATAFLOW_CACHE'] === undefined
    ? join(env['TMPDIR'] ?? '/tmp', `dataflow-postgres-${PG_PORT}`)
    : join(run, 'postgres');
  const pick = (name: string, fallback: string): string => {
    const value = env[name];
    return value === undefined || value === '' ? fallback : value;
  };
  const keycloakUrl = pick('DATAFLOW_TEST_KEYCLOAK_URL', 'http://127.0.0.1:18180');
  const keycloakRealm = pick('DATAFLOW_TEST_KEYCLOAK_REALM', 'ci');
  return {
    pgUrl: pick('DATAFLOW_TEST_PG_URL', `postgresql://postgres:postgres@127.0.0.1:${PG_PORT}/test`),
    pgBin: pick('DATAFLOW_TEST_PG_BIN', '/usr/lib/postgresql/15/bin'),
    pgData: pick('DATAFLOW_TEST_PG_DATA', join(pgRun, 'data')),
    kafkaBrokers: pick('DATAFLOW_TEST_KAFKA_BROKERS', '127.0.0.1:19092'),
    kafkaSaslBrokers: pick('DATAFLOW_TEST_KAFKA_SASL_BROKERS', '127.0.0.1:19094'),
    kafkaSslBrokers: pick('DATAFLOW_TEST_KAFKA_SSL_BROKERS', '127.0.0.1:19095'),
    kafkaSaslSslBrokers: pick('DATAFLOW_TEST_KAFKA_SASL_SSL_BROKERS', '127.0.0.1:19096'),
    kafkaUser: pick('DATAFLOW_TEST_KAFKA_USER', 'alice'),
    kafkaPassword: pick('DATAFLOW_TEST_KAFKA_PASSWORD', 'alice-secret'),
    kafkaCa: pick('DATAFLOW_TEST_KAFKA_CA', join(tls, 'ca.pem')),
    kafkaClientCert: pick('DATAFLOW_TEST_KAFKA_CLIENT_CERT', join(tls, 'client.pem')),
    kafkaClientKey: pick('DATAFLOW_TEST_KAFKA_CLIENT_KEY', join(tls, 'client.key')),
    kafkaPidFile: pick('DATAFLOW_TEST_KAFKA_PIDFILE', join(run, 'kafka', 'kafka.pid')),
    schemaRegistry: pick('DATAFLOW_TEST_SCHEMA_REGISTRY', 'http://127.0.0.1:18081/apis/ccompat/v7'),
    clickhouseUrl: pick('DATAFLOW_TEST_CLICKHOUSE_URL', 'http://127.0.0.1:18123'),
    clickhouseUser: pick('DATAFLOW_TEST_CLICKHOUSE_USER', 'ci'),
    clickhousePassword: pick('DATAFLOW_TEST_CLICKHOUSE_PASSWORD', 'ci-pw'),
    clickhouseDatabase: pick('DATAFLOW_TEST_CLICKHOUSE_DATABASE', 'default'),
    trinoUrl: pick('DATAFLOW_TEST_TRINO_URL', 'http://127.0.0.1:18080'),
    trinoHttpsUrl: pick('DATAFLOW_TEST_TRINO_HTTPS_URL', 'https://127.0.0.1:18443'),
    trinoCa: pick('DATAFLOW_TEST_TRINO_CA', join(run, 'trino', 'tls', 'trino.pem')),
    keycloakUrl,
    keycloakRealm,
    keycloakTokenUrl: pick('DATAFLOW_TEST_KEYCLOAK_TOKEN_URL', `${keycloakUrl}/realms/${keycloakRealm}/protocol/openid-connect/token`),
    keycloakUser: pick('DATAFLOW_TEST_KEYCLOAK_USER', 'alice'),
    keycloakPassword: pick('DATAFLOW_TEST_KEYCLOAK_PASSWORD', 'alice-pw'),
    keycloakClientId: pick('DATAFLOW_TEST_KEYCLOAK_CLIENT_ID', 'ci-app'),
    keycloakClientSecret: pick('DATAFLOW_TEST_KEYCLOAK_CLIENT_SECRET', 'ci-app-secret'),
    keycloakPublicClientId: pick('DATAFLOW_TEST_KEYCLOAK_PUBLIC_CLIENT_ID', 'ci-public'),
    keycloakServiceClientId: pick('DATAFLOW_TEST_KEYCLOAK_SERVICE_CLIENT_ID', 'ci-service'),
    keycloakServiceClientSecret: pick('DATAFLOW_TEST_KEYCLOAK_SERVICE_CLIENT_SECRET', 'ci-service-secret'),
    servicesDir: pick('DATAFLOW_TEST_SERVICES_DIR', 'scripts/services'),
  };
}

/** Resolves once a TCP connection to host:port succeeds; rejects naming the address otherwise. */
export function tcpProbe(host: string, port: number, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const fail = (reason: string): void => {
      socket.destroy();
      reject(new Error(`cannot connect to ${host}:${port}: ${reason}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (err) => fail(err.message));
    socket.connect(port, host, () => {
      socket.destroy();
      resolve();
    });
  });
}

/** host:port of the first broker of a comma-separated list, for tcpProbe. */
export function firstHostPort(list: string): { host: string; port: number } {
  const first = list.split(',')[0]?.trim() ?? '';
  const match = /^(.+):(\d+)$/.exec(first);
  if (!match?.[1] || !match[2]) throw new Error(`"${list}" is not a host:port list`);
  return { host: match[1], port: Number(match[2]) };
}

export interface RequireServiceOptions {
  /** Shown in the error and the skip reason, e.g. "127.0.0.1:19092". */
  readonly address?: string;
  /** Upper bound for the probe. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Where CI=true is read. Default process.env. */
  readonly env?: Env;
}

/**
 * Probes a service once. Reachable → true. Unreachable → on CI (CI=true) throws, so the test
 * fails; elsewhere returns false and the caller skips: `if (!(await requireService(...)))
 * return t.skip(serviceSkipReason(...))`.
 */
export async function requireService(
  name: string,
  probe: () => Promise<void>,
  options: RequireServiceOptions = {},
): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const env = options.env ?? process.env;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return true;
  } catch (err) {
    if (env['CI'] === 'true') {
      const cause = err instanceof Error ? err.message : String(err);
      throw new Error(`${serviceSkipReason(name, options.address)} (${cause})`, { cause: err });
    }
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** requireService with a TCP probe of the first host:port of a list (e.g. a broker list). */
export function requireTcpService(name: string, hostPorts: string, options: RequireServiceOptions = {}): Promise<boolean> {
  const { host, port } = firstHostPort(hostPorts);
  return requireService(name, () => tcpProbe(host, port, options.timeoutMs), { address: `${host}:${port}`, ...options });
}

/** The message for a missing service: the CI error text and the reason for t.skip(). */
export function serviceSkipReason(name: string, address?: string): string {
  return `service ${name} is not reachable${address ? ` at ${address}` : ''}: start it with \`make services-up\``;
}
