// The PostgreSQL connectors' public surface (registered in connectors/index.ts).
export { PostgresqlSource, postgresqlSourceFactory } from './source.js';
export type { PostgresqlSourceOptions } from './source.js';
export { PostgresqlSink, postgresqlSinkFactory } from './sink.js';
export type { PostgresqlSinkOptions } from './sink.js';
export { parsePostgresqlSinkConfig, parsePostgresqlSourceConfig } from './config.js';
export type { PostgresqlSinkSettings, PostgresqlSourceSettings, ValueSource } from './config.js';
export { parseQualifiedName, quoteIdent, quoteQualified } from './sql.js';
export type { QualifiedName } from './sql.js';
export { classifySqlState, translatePgError } from './errors.js';
export type { SqlStateKind } from './errors.js';
