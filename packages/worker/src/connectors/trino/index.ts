// Trino source and sink with Keycloak OAuth2 (upstream-reference.md §1.4.4, §1.5.3, §1.5.4).
export { TrinoSource, trinoSourceFactory } from './source.js';
export type { TrinoSourceOptions } from './source.js';
export { TrinoSink, trinoSinkFactory } from './sink.js';
export { connectTrino } from './connect.js';
export type { TrinoConnection, TrinoConnectionOptions } from './connect.js';
export { TrinoClient } from './client.js';
export type { TrinoClientSettings, TrinoColumn, TrinoResult } from './client.js';
export { createTrinoAuth } from './auth.js';
export type { KeycloakOptions, TrinoAuth } from './auth.js';
export { parseTrinoSinkConfig, parseTrinoSourceConfig } from './config.js';
export type { TrinoSinkSettings, TrinoSourceSettings } from './config.js';
export { TrinoAuthError, TrinoQueryError } from './errors.js';
export { renderValue } from './literals.js';
