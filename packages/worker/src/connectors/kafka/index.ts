// Public surface of the Kafka connectors (re-exported by connectors/index.ts).
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MAX_BUFFERED,
  DEFAULT_MAX_WAIT_TIME_MS,
  DEFAULT_REBALANCE_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  KafkaSource,
  kafkaSourceFactory,
  parseKafkaSourceConfig,
} from './source.js';
export type { KafkaSourceSettings } from './source.js';
export { DEFAULT_MAX_REQUEST_BYTES, KafkaSink, kafkaSinkFactory, parseKafkaSinkConfig } from './sink.js';
export type { KafkaSinkOptions, KafkaSinkSettings } from './sink.js';
export { KAFKA_CLIENT_ID } from './client.js';
