// The connection part shared by the Kafka source and sink: brokers, topic, security protocol, TLS
// and SASL, resolved from the config (literal values, files and Secret references) at open time.
import { KAFKA_SECURITY_PROTOCOLS, SASL_MECHANISMS } from '@dataflow/api';
import type { KafkaSecurityProtocol, SaslMechanism } from '@dataflow/api';
import { errorMessage } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import type { Section } from '../config-section.js';
import { loadTls } from '../tls.js';
import type { TlsMaterial } from '../tls.js';

export interface SaslCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly securityProtocol: KafkaSecurityProtocol;
  /** Present for SSL and SASL_SSL. */
  readonly tls?: TlsMaterial;
  /** Present for SASL_PLAINTEXT and SASL_SSL. */
  readonly sasl?: SaslCredentials;
}

/** Kafka's legal topic names. */
const TOPIC_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER_PATTERN = /^[^\s,]+:[0-9]{1,5}$/;

/**
 * Explicit `securityProtocol` (case and `-`/`_` normalised) or the one inferred from the `tls` and
 * `sasl` blocks: neither → PLAINTEXT, tls → SSL, sasl → SASL_PLAINTEXT, both → SASL_SSL. An explicit
 * value must agree with the blocks; SSL and SASL_SSL without a `tls` block use the system trust store.
 */
export function resolveSecurityProtocol(config: Section): KafkaSecurityProtocol {
  const hasTls = config.has('tls');
  const hasSasl = config.has('sasl');
  const raw = config.optionalString('securityProtocol');
  if (raw === undefined) {
    if (hasTls) return hasSasl ? 'SASL_SSL' : 'SSL';
    return hasSasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  }
  const normalised = raw.trim().toUpperCase().replace(/-/g, '_');
  const protocol = KAFKA_SECURITY_PROTOCOLS.find((p) => p === normalised);
  if (protocol === undefined) {
    throw config.fail('securityProtocol', `must be one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  const usesSasl = protocol.startsWith('SASL_');
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (usesSasl && !hasSasl) throw config.fail('sasl', `is required by securityProtocol ${protocol}: add sasl, or change securityProtocol`);
  if (!usesSasl && hasSasl) throw config.fail('sasl', `is not used by securityProtocol ${protocol}: remove sasl, or use ${usesTls ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`);
  if (!usesTls && hasTls) throw config.fail('tls', `is not used by securityProtocol ${protocol}: remove tls, or use ${usesSasl ? 'SASL_SSL' : 'SSL'}`);
  return protocol;
}

async function resolveBrokers(config: Section, secrets: SecretReader): Promise<string[]> {
  const ref = config.secretRef('brokersSecretRef');
  const literal = config.values['brokers'];
  const hasLiteral = Array.isArray(literal) && literal.length > 0;
  let brokers: string[];
  let field = 'brokers';
  if (ref !== undefined) {
    if (hasLiteral) throw config.fail('brokersSecretRef', 'cannot be combined with brokers: set one of them');
    // Upstream: the Secret holds a comma-separated list; entries trimmed, empties dropped.
    field = 'brokersSecretRef';
    brokers = splitList(await readSecret(config, field, ref, secrets));
  } else {
    if (!Array.isArray(literal) || literal.length === 0) throw config.fail('brokers', 'must list at least one broker as host:port (or set brokersSecretRef)');
    brokers = literal.map((entry, index) => {
      if (typeof entry !== 'string') throw config.fail(`brokers[${index}]`, `must be a string host:port, got ${JSON.stringify(entry)}`);
      return entry.trim();
    });
  }
  if (brokers.length === 0) throw config.fail(field, 'holds no broker: expected a comma-separated host:port list');
  for (const broker of brokers) {
    if (!BROKER_PATTERN.test(broker)) throw config.fail(field, `has ${JSON.stringify(broker)}, which is not host:port`);
  }
  return brokers;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

async function readSecret(config: Section, field: string, ref: { name: string; key: string }, secrets: SecretReader): Promise<string> {
  try {
    return await secrets.read(ref);
  } catch (error) {
    throw config.fail(field, `could not be read: ${errorMessage(error)}`);
  }
}

async function resolveTopic(config: Section, secrets: SecretReader): Promise<string> {
  const topic = (await config.stringOrSecret('topic', secrets))?.trim();
  if (topic === undefined || topic === '') throw config.fail('topic', 'must name a topic (or set topicSecretRef)');
  if (!TOPIC_PATTERN.test(topic)) {
    throw config.fail(config.has('topicSecretRef') ? 'topicSecretRef' : 'topic', `${JSON.stringify(topic)} is not a legal Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)`);
  }
  return topic;
}

async function resolveSasl(sasl: Section, secrets: SecretReader): Promise<SaslCredentials> {
  const mechanism = sasl.optionalEnum('mechanism', SASL_MECHANISMS) ?? 'plain';
  const username = await sasl.stringOrSecret('username', secrets);
  const password = await sasl.stringOrSecret('password', secrets);
  if (username === undefined) throw sasl.fail('username', 'is required: set username or usernameSecretRef');
  if (password === undefined) throw sasl.fail('password', 'is required: set password or passwordSecretRef');
  return { mechanism, username, password };
}

/** Resolves the connection settings; every problem is a ConfigError naming the field. */
export async function resolveConnection(config: Section, secrets: SecretReader): Promise<KafkaConnection> {
  const securityProtocol = resolveSecurityProtocol(config);
  const brokers = await resolveBrokers(config, secrets);
  const topic = await resolveTopic(config, secrets);
  const usesTls = securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL';
  const tlsSection = config.section('tls');
  const saslSection = config.section('sasl');
  const tls = usesTls ? (tlsSection === undefined ? { insecureSkipVerify: false } : await loadTls(tlsSection, secrets)) : undefined;
  const sasl = saslSection === undefined ? undefined : await resolveSasl(saslSection, secrets);
  return {
    brokers,
    topic,
    securityProtocol,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
