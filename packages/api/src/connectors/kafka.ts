// Kafka source and sink: config types, JSON schemas and cross-field rules
// (upstream-reference.md §1.4.1, §1.5.1; field names and defaults kept, §9 gaps closed).
import { arr, bool, int, map, num, obj, str } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import { saslConfigSchema, schemaRegistryConfigSchema, secretRefSchema, tlsConfigSchema } from '../refs.js';
import type { SASLConfig, SchemaRegistryConfig, SecretRef, TLSConfig } from '../refs.js';
import type { ConfigCheck } from './rules.js';
import { checkKafkaSecurity, checkSchemaRegistry } from './security-checks.js';

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];

export const KAFKA_FORMATS = ['json', 'avro'] as const;
export type KafkaFormat = (typeof KAFKA_FORMATS)[number];

export const KAFKA_START_OFFSETS = ['earliest', 'latest'] as const;
export type KafkaStartOffset = (typeof KAFKA_START_OFFSETS)[number];

// lz4 is left out: its npm codec packages are native addons that do not build on Node 24.
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

/** Connection settings shared by the Kafka source and sink. */
export interface KafkaConnectionConfig {
  brokers?: string[];
  brokersSecretRef?: SecretRef;
  topic?: string;
  topicSecretRef?: SecretRef;
  securityProtocol?: KafkaSecurityProtocol;
  tls?: TLSConfig;
  sasl?: SASLConfig;
}

/** Avro settings shared by the Kafka source (decode) and sink (encode). */
export interface KafkaAvroConfig {
  format?: KafkaFormat;
  avroSchema?: string;
  avroSchemaFile?: string;
  avroSchemaSecretRef?: SecretRef;
  schemaRegistry?: SchemaRegistryConfig;
}

export interface KafkaSourceConfig extends KafkaConnectionConfig, KafkaAvroConfig {
  consumerGroup?: string;
  consumerGroupSecretRef?: SecretRef;
  startOffset?: KafkaStartOffset;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  maxWaitTimeMs?: number;
  maxBytes?: number;
  readAheadRecords?: number;
  readAheadBytes?: number;
}

/** Where the record key comes from; absent: the message's own key (a Kafka source's record key). */
export interface KafkaSinkKey {
  path?: string;
  metadata?: string;
}

export interface KafkaSinkConfig extends KafkaConnectionConfig, KafkaAvroConfig {
  key?: KafkaSinkKey;
  headers?: Record<string, string>;
  forwardHeaders?: boolean;
  compression?: KafkaCompression;
  idempotent?: boolean;
  batchSize?: number;
  batchFlushIntervalSeconds?: number;
  subject?: string;
}

// ---------------------------------------------------------------------------------------------
// Schemas

/** Kafka's legal topic names: at most 249 of `[a-zA-Z0-9._-]`. */
const TOPIC_PATTERN = '^[a-zA-Z0-9._-]{1,249}$';
/** `host:port`, with `host` a name, an IPv4 address or a bracketed IPv6 address. */
const BROKER_PATTERN = '^[^\\s,]+:[0-9]{1,5}$';

function connectionProperties(role: 'read from' | 'write to'): Record<string, JsonSchema> {
  return {
    brokers: arr(
      'Bootstrap brokers as host:port. Set brokers or brokersSecretRef.',
      str('One bootstrap broker, host:port.', { pattern: BROKER_PATTERN }),
      { minItems: 1 },
    ),
    brokersSecretRef: secretRefSchema('Comma-separated host:port list of bootstrap brokers; alternative to brokers.'),
    topic: str(`Topic to ${role}. Set topic or topicSecretRef.`, { pattern: TOPIC_PATTERN }),
    topicSecretRef: secretRefSchema(`Topic to ${role}; alternative to topic.`),
    securityProtocol: str(
      'Kafka security protocol. Absent: inferred from tls and sasl (neither: PLAINTEXT, tls: SSL, sasl: SASL_PLAINTEXT, both: SASL_SSL). ' +
        'When set it must agree with them: SASL_* needs sasl, PLAINTEXT and SSL forbid sasl, PLAINTEXT and SASL_PLAINTEXT forbid tls.',
      { enum: KAFKA_SECURITY_PROTOCOLS },
    ),
    tls: tlsConfigSchema('TLS towards the brokers (minimum TLS 1.2); its presence enables TLS.'),
    sasl: saslConfigSchema('SASL authentication towards the brokers; its presence enables SASL.'),
  };
}

function avroProperties(role: 'decode' | 'encode'): Record<string, JsonSchema> {
  const verb = role === 'decode' ? 'Decode record values' : 'Encode record values';
  return {
    format: str(
      role === 'decode'
        ? 'Record value format. json: values are parsed as JSON (non-JSON values pass through as bytes). avro: values are Avro, decoded to JSON; needs a schema source.'
        : 'Record value format. json: the payload is written as JSON (raw bytes as they are). avro: the payload is Avro-encoded; needs a schema source.',
      { enum: KAFKA_FORMATS, default: 'json' },
    ),
    avroSchema: str(`${verb} with this Avro schema (JSON text). Only with format avro; at most one of avroSchema, avroSchemaFile, avroSchemaSecretRef.`),
    avroSchemaFile: str(`${verb} with the Avro schema in this file inside the worker pod. Only with format avro.`),
    avroSchemaSecretRef: secretRefSchema(`Avro schema (JSON text) used to ${role} record values; alternative to avroSchema.`),
    schemaRegistry: schemaRegistryConfigSchema(
      role === 'decode'
        ? 'Confluent Schema Registry: values in Confluent wire format (magic byte 0, 4-byte schema id) are decoded with the registered schema; other values use the static schema if one is set. Only with format avro.'
        : 'Confluent Schema Registry: values are written in Confluent wire format with the schema registered under subject. Only with format avro.',
    ),
  };
}

export const kafkaSourceSchema: JsonSchema = obj(
  'Consumes one Kafka topic in a consumer group. Offsets are committed only after every message derived from a record was written, filtered or dead-lettered. Scales with spec.replicas.',
  {
    ...connectionProperties('read from'),
    consumerGroup: str(
      'Consumer group id. Absent: <namespace>.<name> of the DataFlow, so flows never share a group (set by the controller, not a schema default).',
      { minLength: 1 },
    ),
    consumerGroupSecretRef: secretRefSchema('Consumer group id; alternative to consumerGroup.'),
    startOffset: str('Where a consumer group without committed offsets starts: earliest (oldest retained record) or latest (new records only).', {
      enum: KAFKA_START_OFFSETS,
      default: 'earliest',
    }),
    ...avroProperties('decode'),
    sessionTimeoutMs: int('Consumer group session timeout in milliseconds: a consumer silent for longer is removed from the group. The 10 s default lets a restarted worker take its partitions back quickly (docs/adr/0005).', {
      minimum: 1000,
      default: 10000,
    }),
    heartbeatIntervalMs: int('Interval of consumer group heartbeats in milliseconds; must be below sessionTimeoutMs.', {
      minimum: 100,
      default: 1000,
    }),
    maxWaitTimeMs: int('Longest time in milliseconds the broker waits for data before answering a fetch.', { minimum: 0, default: 500 }),
    maxBytes: int('Upper bound in bytes of one fetch response.', { minimum: 1024, default: 10485760 }),
    readAheadRecords: int('Records fetched ahead of the pipeline before the consumer waits (read-ahead). More keeps the next fetch in flight while the sink writes; fewer lowers the worker memory (docs/operations.md, "Worker memory").', {
      minimum: 100,
      default: 40000,
    }),
    readAheadBytes: int('Key and value bytes fetched ahead of the pipeline before the consumer waits; whichever of readAheadRecords and readAheadBytes is reached first applies.', {
      minimum: 65536,
      default: 8388608,
    }),
  },
);

export const kafkaSinkSchema: JsonSchema = obj(
  'Produces to one Kafka topic with acks=all. A message is acknowledged to the source once the broker confirmed it.',
  {
    ...connectionProperties('write to'),
    key: obj(
      'Where the record key comes from; set exactly one of path and metadata. Absent: the message key (for a Kafka source, the source record key).',
      {
        path: str('Payload path whose value becomes the key, e.g. user.id (strings as they are, other values as JSON).', { minLength: 1 }),
        metadata: str('Message metadata key whose value becomes the key, e.g. id or table.', { minLength: 1 }),
      },
    ),
    headers: map('Static headers added to every record.', str('Header value.')),
    forwardHeaders: bool('Copy the message headers (e.g. those of a Kafka source record) onto the produced record; static headers win on a clash.', {
      default: false,
    }),
    compression: str('Compression codec of produced batches.', { enum: KAFKA_COMPRESSIONS, default: 'none' }),
    idempotent: bool('Idempotent producer: broker-side de-duplication of retried sends within a producer session.', { default: true }),
    batchSize: int('Messages sent in one produce request at most.', { minimum: 1, default: 1000 }),
    batchFlushIntervalSeconds: num(
      'Longest time in seconds a message waits for its batch to fill; 0 = no timer, a batch is sent only when it holds batchSize messages. (Upstream sent every message synchronously.)',
      { minimum: 0, default: 1 },
    ),
    ...avroProperties('encode'),
    subject: str('Schema Registry subject of the value schema. Absent: <topic>-value. Only with schemaRegistry.', { minLength: 1 }),
  },
);

// ---------------------------------------------------------------------------------------------
// Cross-field rules

function checkAvro(c: ConfigCheck, role: 'source' | 'sink'): void {
  c.atMostOne(['avroSchema', 'avroSchemaFile', 'avroSchemaSecretRef']);
  const avroFields = ['avroSchema', 'avroSchemaFile', 'avroSchemaSecretRef', 'schemaRegistry'];
  const isAvro = c.string('format') === 'avro';
  if (isAvro && !avroFields.some((f) => c.has(f))) {
    c.report('format', `format avro needs a schema: set avroSchema, avroSchemaFile, avroSchemaSecretRef or schemaRegistry`);
  }
  if (!isAvro) {
    for (const field of avroFields.filter((f) => c.has(f))) {
      c.report(field, `${field} is used only with format avro: set format: avro, or remove ${field}`);
    }
  }
  const text = c.string('avroSchema');
  if (text !== undefined && text !== '') {
    try {
      JSON.parse(text);
    } catch (err) {
      c.report('avroSchema', `must be an Avro schema in JSON: ${(err as Error).message}`);
    }
  }
  const registry = c.nested('schemaRegistry');
  if (registry !== undefined) checkSchemaRegistry(registry);
  if (role === 'sink' && c.has('subject') && !c.has('schemaRegistry')) {
    c.report('subject', 'subject is used only with schemaRegistry: add schemaRegistry, or remove subject');
  }
}

export function checkKafkaSource(c: ConfigCheck): void {
  c.requireValue('brokers');
  c.requireValue('topic');
  checkKafkaSecurity(c);
  checkAvro(c, 'source');
  const session = c.number('sessionTimeoutMs') ?? 10000;
  const heartbeat = c.number('heartbeatIntervalMs');
  if (heartbeat !== undefined && heartbeat >= session) {
    c.report('heartbeatIntervalMs', `must be below sessionTimeoutMs (${session}); a third of it is usual`);
  }
}

export function checkKafkaSink(c: ConfigCheck): void {
  c.requireValue('brokers');
  c.requireValue('topic');
  checkKafkaSecurity(c);
  checkAvro(c, 'sink');
  const key = c.nested('key');
  if (key !== undefined) {
    const set = ['path', 'metadata'].filter((f) => key.has(f));
    if (set.length !== 1) key.report(undefined, 'set exactly one of path (a payload path) and metadata (a metadata key)');
  }
}
