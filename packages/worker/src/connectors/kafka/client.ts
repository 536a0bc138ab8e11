// A kafkajs client from resolved connection settings: brokers, TLS, SASL, client id
// `dataflow-operator` (upstream's), and kafkajs' own log lines routed into the flow's logger: its
// warnings and errors become warnings (every failure that matters also reaches the runtime as a
// thrown error, which the runtime logs once as an error), its info/debug chatter stays out.
import kafkajs from 'kafkajs';
import type { KafkaConfig, Kafka as KafkaClient, LogEntry, SASLOptions, logCreator } from 'kafkajs';
import type { Logger } from '../../plugin.js';
import { installCodecs } from './codecs.js';
import type { KafkaConnection } from './connection.js';
import { tlsConnectionOptions } from '../tls.js';

const { Kafka, logLevel } = kafkajs;

export const KAFKA_CLIENT_ID = 'dataflow-operator';

/** kafkajs messages we expect and handle ourselves: logged at debug, not as warnings. */
const EXPECTED_MESSAGES = [
  // The sink bounds the idempotent producer's retries and replaces the producer after a failed send.
  'Limiting retries for the idempotent producer',
];

/** kafkajs log entries → our logger; `namespace` and the entry's fields become bindings. */
export function kafkaLogCreator(log: Logger): logCreator {
  return () =>
    (entry: LogEntry): void => {
      const { message, timestamp: _timestamp, ...fields } = entry.log;
      const bindings = { kafkajs: entry.namespace, ...(fields as Record<string, unknown>) };
      const expected = EXPECTED_MESSAGES.some((text) => message.startsWith(text));
      if ((entry.level === logLevel.ERROR || entry.level === logLevel.WARN) && !expected) log.warn(bindings, message);
      else log.debug(bindings, message);
    };
}

export interface ClientOptions {
  readonly log: Logger;
  /** Connect and request timeouts (ms); defaults suit a local or in-cluster broker. */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export function kafkaConfig(connection: KafkaConnection, options: ClientOptions): KafkaConfig {
  installCodecs();
  const config: KafkaConfig = {
    clientId: KAFKA_CLIENT_ID,
    brokers: [...connection.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 5000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.log),
    // kafkajs' own retries for one operation; the runtime's backoff takes over after them.
    retry: { initialRetryTime: 300, maxRetryTime: 5000, retries: 5 },
  };
  if (connection.tls !== undefined) config.ssl = tlsConnectionOptions(connection.tls);
  if (connection.sasl !== undefined) config.sasl = saslOptions(connection.sasl);
  return config;
}

function saslOptions(sasl: NonNullable<KafkaConnection['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

export function createKafkaClient(connection: KafkaConnection, options: ClientOptions): KafkaClient {
  return new Kafka(kafkaConfig(connection, options));
}
