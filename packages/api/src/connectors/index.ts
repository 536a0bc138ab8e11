// The connector registry of the API: which source and sink types exist, their config types and
// schemas, and the cross-field checks a schema cannot express. This is the only file that lists them.
import type { SpecIssue } from '../issues.js';
import type { JsonSchema } from '../json-schema.js';
import { checkSecretRefs } from '../refs.js';
import { checkClickHouseSink, checkClickHouseSource, clickhouseSinkSchema, clickhouseSourceSchema } from './clickhouse.js';
import type { ClickHouseSinkConfig, ClickHouseSourceConfig } from './clickhouse.js';
import { checkFileSink, checkFileSource, fileSinkSchema, fileSourceSchema } from './file.js';
import type { FileSinkConfig, FileSourceConfig } from './file.js';
import { checkGeneratorSource, generatorSourceSchema } from './generator.js';
import type { GeneratorSourceConfig } from './generator.js';
import { checkKafkaSink, checkKafkaSource, kafkaSinkSchema, kafkaSourceSchema } from './kafka.js';
import type { KafkaSinkConfig, KafkaSourceConfig } from './kafka.js';
import { checkPostgresqlSink, checkPostgresqlSource, postgresqlSinkSchema, postgresqlSourceSchema } from './postgresql.js';
import type { PostgresqlSinkConfig, PostgresqlSourceConfig } from './postgresql.js';
import { ConfigCheck } from './rules.js';
import type { ConfigObject } from './rules.js';
import { stdoutSinkSchema } from './stdout.js';
import type { StdoutSinkConfig } from './stdout.js';
import { checkTrinoSink, checkTrinoSource, trinoSinkSchema, trinoSourceSchema } from './trino.js';
import type { TrinoSinkConfig, TrinoSourceConfig } from './trino.js';

export * from './clickhouse.js';
export * from './file.js';
export * from './generator.js';
export * from './kafka.js';
export * from './postgresql.js';
export * from './sql-common.js';
export * from './stdout.js';
export * from './trino.js';

export const SOURCE_TYPES = ['kafka', 'postgresql', 'clickhouse', 'trino', 'file', 'generator'] as const;
export const SINK_TYPES = ['kafka', 'postgresql', 'clickhouse', 'trino', 'file', 'stdout'] as const;

export interface SourceConfigs {
  kafka: KafkaSourceConfig;
  postgresql: PostgresqlSourceConfig;
  clickhouse: ClickHouseSourceConfig;
  trino: TrinoSourceConfig;
  file: FileSourceConfig;
  generator: GeneratorSourceConfig;
}

export interface SinkConfigs {
  kafka: KafkaSinkConfig;
  postgresql: PostgresqlSinkConfig;
  clickhouse: ClickHouseSinkConfig;
  trino: TrinoSinkConfig;
  file: FileSinkConfig;
  stdout: StdoutSinkConfig;
}

// Local aliases (dataflow.ts exports the public SourceType/SinkType, derived the same way).
type SourceKind = keyof SourceConfigs;
type SinkKind = keyof SinkConfigs;

// Compile-time guard: the tuples list exactly the keys of the config maps.
type SameKeys<A extends string, B extends string> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sourceTypesMatch: SameKeys<(typeof SOURCE_TYPES)[number], SourceKind> = true;
const sinkTypesMatch: SameKeys<(typeof SINK_TYPES)[number], SinkKind> = true;
void sourceTypesMatch;
void sinkTypesMatch;

export function isSourceType(value: unknown): value is SourceKind {
  return typeof value === 'string' && (SOURCE_TYPES as readonly string[]).includes(value);
}

export function isSinkType(value: unknown): value is SinkKind {
  return typeof value === 'string' && (SINK_TYPES as readonly string[]).includes(value);
}

export const sourceSchemas: Record<SourceKind, JsonSchema> = {
  kafka: kafkaSourceSchema,
  postgresql: postgresqlSourceSchema,
  clickhouse: clickhouseSourceSchema,
  trino: trinoSourceSchema,
  file: fileSourceSchema,
  generator: generatorSourceSchema,
};

export const sinkSchemas: Record<SinkKind, JsonSchema> = {
  kafka: kafkaSinkSchema,
  postgresql: postgresqlSinkSchema,
  clickhouse: clickhouseSinkSchema,
  trino: trinoSinkSchema,
  file: fileSinkSchema,
  stdout: stdoutSinkSchema,
};

const sourceChecks: Record<SourceKind, (c: ConfigCheck) => void> = {
  kafka: checkKafkaSource,
  postgresql: checkPostgresqlSource,
  clickhouse: checkClickHouseSource,
  trino: checkTrinoSource,
  file: checkFileSource,
  generator: checkGeneratorSource,
};

const sinkChecks: Record<SinkKind, (c: ConfigCheck) => void> = {
  kafka: checkKafkaSink,
  postgresql: checkPostgresqlSink,
  clickhouse: checkClickHouseSink,
  trino: checkTrinoSink,
  file: checkFileSink,
  stdout: () => undefined,
};

function runChecks(check: (c: ConfigCheck) => void, config: ConfigObject, basePath: string, flowNamespace?: string): SpecIssue[] {
  const issues = checkSecretRefs(config, basePath, flowNamespace);
  check(new ConfigCheck(config, basePath, issues));
  return issues;
}

/**
 * Cross-field rules of a source config (the JSON schema covers types, enums and ranges):
 * literal-or-SecretRef alternatives, Secret references in the flow's namespace, complete
 * credentials, consistent security settings, sane names. `basePath` is e.g. `spec.source.config`.
 */
export function checkSourceConfig(type: SourceKind, config: ConfigObject, basePath: string, flowNamespace?: string): SpecIssue[] {
  return runChecks(sourceChecks[type], config, basePath, flowNamespace);
}

/** As checkSourceConfig, for a sink (`spec.sink.config`, `spec.errors.config`, a route's sink). */
export function checkSinkConfig(type: SinkKind, config: ConfigObject, basePath: string, flowNamespace?: string): SpecIssue[] {
  return runChecks(sinkChecks[type], config, basePath, flowNamespace);
}
