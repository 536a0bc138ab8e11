// The PostgreSQL connectors' public surface (registered in connectors/index.ts). Names carry the
// system so that `export *` from the connectors barrel never collides with another connector.
export { PostgresqlSource, postgresqlSourceFactory } from './source.js';
export type { PostgresqlSourceOptions } from './source.js';
export { PostgresqlSink, postgresqlSinkFactory } from './sink.js';
export type { PostgresqlSinkOptions } from './sink.js';
export { parsePostgresqlSinkConfig, parsePostgresqlSourceConfig } from './config.js';
export type { PostgresqlSinkSettings, PostgresqlSourceSettings } from './config.js';
