// Cross-field rules of the shared security sub-types (TLS, SASL, basic auth, Schema Registry,
// Keycloak). The upstream webhook checked none of them (upstream-reference.md §1.8, §9.1 item 3).
import { checkUrl } from './rules.js';
import type { ConfigCheck } from './rules.js';

/** `tls`: a CA excludes insecureSkipVerify; a client certificate needs its key and vice versa. */
export function checkTls(tls: ConfigCheck): void {
  const hasCa = tls.has('caFile') || tls.has('caSecretRef');
  if (tls.isTrue('insecureSkipVerify') && hasCa) {
    tls.report('insecureSkipVerify', 'insecureSkipVerify ignores the CA: remove it, or remove caFile/caSecretRef');
  }
  tls.atMostOne(['caFile', 'caSecretRef']);
  tls.atMostOne(['certFile', 'certSecretRef']);
  tls.atMostOne(['keyFile', 'keySecretRef']);
  const hasCert = tls.has('certFile') || tls.has('certSecretRef');
  const hasKey = tls.has('keyFile') || tls.has('keySecretRef');
  if (hasCert && !hasKey) tls.report('keyFile', 'a client certificate needs its private key: set keyFile or keySecretRef');
  if (hasKey && !hasCert) tls.report('certFile', 'a private key needs its client certificate: set certFile or certSecretRef');
}

/** `sasl`: both credentials, each as a literal or a Secret reference. */
export function checkSasl(sasl: ConfigCheck): void {
  sasl.requireValue('username');
  sasl.requireValue('password');
}

/** `basicAuth`: both credentials or none (upstream silently dropped half-configured auth). */
export function checkBasicAuth(auth: ConfigCheck): void {
  const hasUser = auth.hasValue('username');
  const hasPassword = auth.hasValue('password');
  if (!hasUser) auth.report('username', 'basic authentication needs a user: set either username or usernameSecretRef');
  if (!hasPassword) auth.report('password', 'basic authentication needs a password: set either password or passwordSecretRef');
}

export function checkSchemaRegistry(registry: ConfigCheck): void {
  registry.requireValue('url');
  checkUrl(registry, 'url', ['http', 'https'], 'http://schema-registry:8081');
  const tls = registry.nested('tls');
  if (tls !== undefined) checkTls(tls);
  const auth = registry.nested('basicAuth');
  if (auth !== undefined) checkBasicAuth(auth);
}

/**
 * Kafka `securityProtocol` against the `tls` and `sasl` blocks. When absent it is inferred from
 * them, so only an explicit value can contradict them.
 */
export function checkKafkaSecurityProtocol(kafka: ConfigCheck): void {
  const protocol = kafka.string('securityProtocol');
  if (protocol === undefined) return;
  const hasTls = kafka.has('tls');
  const hasSasl = kafka.has('sasl');
  if (protocol.startsWith('SASL_') && !hasSasl) {
    kafka.report('sasl', `securityProtocol ${protocol} needs SASL credentials: add sasl, or change securityProtocol`);
  }
  if ((protocol === 'PLAINTEXT' || protocol === 'SSL') && hasSasl) {
    kafka.report('sasl', `securityProtocol ${protocol} does not use SASL: remove sasl, or use ${protocol === 'SSL' ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`);
  }
  if ((protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT') && hasTls) {
    kafka.report('tls', `securityProtocol ${protocol} does not use TLS: remove tls, or use ${protocol === 'PLAINTEXT' ? 'SSL' : 'SASL_SSL'}`);
  }
}

/** Shared by Kafka sources and sinks: the security blocks and their agreement with securityProtocol. */
export function checkKafkaSecurity(kafka: ConfigCheck): void {
  const tls = kafka.nested('tls');
  if (tls !== undefined) checkTls(tls);
  const sasl = kafka.nested('sasl');
  if (sasl !== undefined) checkSasl(sasl);
  checkKafkaSecurityProtocol(kafka);
}

/**
 * `keycloak`: exactly one complete grant. A token stands alone; the password grant needs
 * username, password and clientID; the client-credentials grant needs clientID and clientSecret.
 * Both token-fetching grants need serverURL and realm.
 */
export function checkKeycloak(kc: ConfigCheck): void {
  const hasToken = kc.hasValue('token');
  const hasUser = kc.hasValue('username');
  const hasPassword = kc.hasValue('password');
  const hasSecret = kc.hasValue('clientSecret');

  if (hasToken) {
    if (hasUser || hasPassword || hasSecret) {
      kc.report('token', 'a token is used as-is: remove token, or remove username, password and clientSecret');
    }
    return;
  }
  if (!hasUser && !hasPassword && !hasSecret) {
    kc.report(undefined, 'choose a grant: set token, or username and password (with clientID), or clientID and clientSecret');
    return;
  }
  if (hasUser && !hasPassword) kc.report('password', 'the password grant needs a password: set either password or passwordSecretRef');
  if (hasPassword && !hasUser) kc.report('username', 'the password grant needs a user: set either username or usernameSecretRef');
  if (!kc.hasValue('clientID')) {
    kc.report('clientID', `the ${hasUser || hasPassword ? 'password' : 'client-credentials'} grant needs a client: set either clientID or clientIDSecretRef`);
  }
  kc.requireValue('serverURL');
  kc.requireValue('realm');
  checkUrl(kc, 'serverURL', ['http', 'https'], 'https://keycloak.example.com');
}
