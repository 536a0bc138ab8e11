// The built-in connectors. This is the only file that lists them: a new connector adds one
// register line here and lives in its own `connectors/<system>/` folder.
import { ConnectorRegistry } from '../registry.js';
import { clickhouseSinkFactory, clickhouseSourceFactory } from './clickhouse/index.js';
import { fileSinkFactory } from './file/sink.js';
import { fileSourceFactory } from './file/source.js';
import { generatorSourceFactory } from './generator/source.js';
import { kafkaSinkFactory, kafkaSourceFactory } from './kafka/index.js';
import { postgresqlSinkFactory, postgresqlSourceFactory } from './postgresql/index.js';
import { stdoutSinkFactory } from './stdout/sink.js';
import { trinoSinkFactory, trinoSourceFactory } from './trino/index.js';

export function registerBuiltinConnectors(registry: ConnectorRegistry): ConnectorRegistry {
  registry.registerSource(fileSourceFactory);
  registry.registerSource(generatorSourceFactory);
  registry.registerSource(kafkaSourceFactory);
  registry.registerSink(fileSinkFactory);
  registry.registerSink(kafkaSinkFactory);
  registry.registerSink(stdoutSinkFactory);
  registry.registerSource(clickhouseSourceFactory);
  registry.registerSink(clickhouseSinkFactory);
  registry.registerSource(postgresqlSourceFactory);
  registry.registerSink(postgresqlSinkFactory);
  registry.registerSource(trinoSourceFactory);
  registry.registerSink(trinoSinkFactory);
  return registry;
}

/** A fresh registry holding every built-in connector. */
export function builtinRegistry(): ConnectorRegistry {
  return registerBuiltinConnectors(new ConnectorRegistry());
}

export { FileSource, parseFileSourceConfig } from './file/source.js';
export type { FileSourceConfig, FileSourceOptions } from './file/source.js';
export { FileSink, parseFileSinkConfig } from './file/sink.js';
export type { FileSinkConfig } from './file/sink.js';
export { StdoutSink, parseStdoutSinkConfig } from './stdout/sink.js';
export type { StdoutSinkConfig } from './stdout/sink.js';
export { GeneratorSource, GENERATOR_PARTITION, parseGeneratorSourceConfig } from './generator/source.js';
export type { GeneratorClock, GeneratorSourceConfig } from './generator/source.js';
export * from './kafka/index.js';
export * from './clickhouse/index.js';
export * from './trino/index.js';
export * from './postgresql/index.js';
