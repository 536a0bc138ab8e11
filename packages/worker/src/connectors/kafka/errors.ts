// Translates kafkajs errors at the connector's edge into the worker's error vocabulary. Anything
// that waiting can fix (broker down, leader moving, coordinator loading, a rebalance) becomes a
// retriable ConnectionError; what only a config change can fix (SASL credentials, an untrusted
// certificate, missing ACLs, TLS against a plaintext port) becomes a non-retriable config error
// whose message says what to check. kafkajs wraps causes (retries exceeded → last error →
// socket error), so the decision is taken on the whole chain.
import { ConnectionError, DataflowError, ErrorCode, errorMessage } from '../../errors.js';

/** Who failed, for the messages: `kafka source`, with the brokers and the SASL user if any. */
export interface KafkaErrorContext {
  readonly owner: string;
  readonly brokers: readonly string[];
  readonly username?: string;
}

/** Node/OpenSSL certificate verification failures: the CA (or the host name) is wrong. */
export const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS spoken to a port that does not speak TLS (or the reverse, seen as a closed connection). */
const TLS_PROTOCOL_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

/** Broker answers that no retry can fix. */
const AUTHORIZATION_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/** Record-level produce errors: the record (or its batch) is at fault, not the connection. */
export const RECORD_ERROR_TYPES: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
]);

/** kafkajs errors that are transient although kafkajs marks them non-retriable (it gave up on its own retries). */
const TRANSIENT_NAMES = new Set([
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
]);

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly type?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

/** The error and its causes, outermost first (bounded: causes can be cyclic in theory). */
export function causeChain(error: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current = asErrorLike(error);
  while (current !== undefined && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = asErrorLike(current.cause);
  }
  return chain;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The kafkajs protocol error type (e.g. `MESSAGE_TOO_LARGE`) anywhere in the chain. */
export function protocolErrorType(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    const type = stringField(link.type);
    if (type !== undefined) return type;
  }
  return undefined;
}

/** True when the produce failure is about the records themselves (too large, invalid). */
export function isRecordLevelError(error: unknown): boolean {
  const type = protocolErrorType(error);
  return type !== undefined && RECORD_ERROR_TYPES.has(type);
}

/** The innermost message, which is usually the one that says what happened. */
function rootMessage(chain: readonly ErrorLike[], fallback: unknown): string {
  for (let i = chain.length - 1; i >= 0; i--) {
    const message = stringField(chain[i]?.message);
    if (message !== undefined && message !== '') return message;
  }
  return errorMessage(fallback);
}

function configError(message: string, cause: unknown): DataflowError {
  return new DataflowError(ErrorCode.config, message, false, { cause });
}

/** A kafkajs (or socket) error as a DataflowError; DataflowErrors pass through unchanged. */
export function translateKafkaError(error: unknown, context: KafkaErrorContext): DataflowError {
  if (error instanceof DataflowError) return error;
  const chain = causeChain(error);
  const reason = rootMessage(chain, error);
  const brokers = context.brokers.join(',');
  const names = chain.map((link) => stringField(link.name) ?? '');
  const codes = chain.map((link) => stringField(link.code) ?? '');
  const types = chain.map((link) => stringField(link.type) ?? '');

  if (names.includes('KafkaJSSASLAuthenticationError') || types.includes('SASL_AUTHENTICATION_FAILED')) {
    const user = context.username === undefined ? '' : ` for user ${context.username}`;
    return configError(`${context.owner}: SASL authentication failed${user}: ${reason} (check sasl.mechanism, username and password)`, error);
  }
  const certificateCode = codes.find((code) => CERTIFICATE_CODES.has(code));
  if (certificateCode !== undefined) {
    return configError(
      `${context.owner}: TLS certificate of the brokers ${brokers} was not accepted (${certificateCode}: ${reason}); check tls.caFile/caSecretRef names the CA that signed the broker certificate`,
      error,
    );
  }
  if (codes.some((code) => TLS_PROTOCOL_CODES.has(code)) || /wrong version number|packet length too long/i.test(reason)) {
    return configError(`${context.owner}: TLS handshake with ${brokers} failed (${reason}); does this listener speak TLS? check securityProtocol and the port`, error);
  }
  const denied = types.find((type) => AUTHORIZATION_TYPES.has(type));
  if (denied !== undefined) {
    return configError(`${context.owner}: the brokers refused access (${denied}): ${reason}`, error);
  }
  const retriable = chain.some((link) => link.retriable === true) || names.some((name) => TRANSIENT_NAMES.has(name));
  // A reset during the handshake is also what a flaky network does, so it stays retriable, with a hint.
  const hint = /before secure TLS connection was established/i.test(reason) ? ' (is this a TLS listener? check securityProtocol and the port)' : '';
  if (retriable) return new ConnectionError(`${context.owner}: Kafka at ${brokers}: ${reason}${hint}`, { cause: error });
  return new DataflowError(ErrorCode.connection, `${context.owner}: Kafka at ${brokers}: ${reason}`, false, { cause: error });
}
