// Trino source and sink: config types, JSON schemas and cross-field rules
// (upstream-reference.md §1.4.4, §1.5.3, §1.5.4, §1.5.7; field names and defaults kept).
import { bool, int, obj, str } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import { keycloakConfigSchema, secretRefSchema, tlsConfigSchema } from '../refs.js';
import type { KeycloakConfig, SecretRef, TLSConfig } from '../refs.js';
import { checkColumnList, checkTableName, checkUrl } from './rules.js';
import type { ConfigCheck } from './rules.js';
import { checkKeycloak, checkTls } from './security-checks.js';
import { batchSinkProperties, checkBatchSink, checkPollingSource, pollingSourceProperties, rawModeProperties } from './sql-common.js';
import type { PollingSourceConfig, RawModeSinkConfig } from './sql-common.js';

/**
 * Trino user sent when neither user nor userSecretRef is set (the upstream X-Trino-User value).
 * Not a schema default: a defaulted `user` would clash with `userSecretRef`.
 */
export const TRINO_DEFAULT_USER = 'dataflow-operator';

export interface TrinoConnectionConfig {
  serverURL?: string;
  serverURLSecretRef?: SecretRef;
  catalog?: string;
  catalogSecretRef?: SecretRef;
  schema?: string;
  schemaSecretRef?: SecretRef;
  table?: string;
  tableSecretRef?: SecretRef;
  user?: string;
  userSecretRef?: SecretRef;
  password?: string;
  passwordSecretRef?: SecretRef;
  keycloak?: KeycloakConfig;
  tls?: TLSConfig;
  queryTimeoutSeconds?: number;
}

export interface TrinoSourceConfig extends TrinoConnectionConfig, PollingSourceConfig {}

export interface TrinoSinkConfig extends TrinoConnectionConfig, RawModeSinkConfig {
  batchSize?: number;
  batchFlushIntervalSeconds?: number;
  autoCreateTable?: boolean;
  upsertMode?: boolean;
  conflictKey?: string;
}

// ---------------------------------------------------------------------------------------------
// Schemas

function connectionProperties(role: 'read' | 'write'): Record<string, JsonSchema> {
  return {
    serverURL: str('Trino coordinator URL, e.g. http://trino:8080 (https:// for TLS). Set serverURL or serverURLSecretRef.'),
    serverURLSecretRef: secretRefSchema('Trino coordinator URL; alternative to serverURL.'),
    catalog: str('Trino catalog. Set catalog or catalogSecretRef.', { minLength: 1 }),
    catalogSecretRef: secretRefSchema('Trino catalog; alternative to catalog.'),
    schema: str('Schema inside the catalog. Set schema or schemaSecretRef.', { minLength: 1 }),
    schemaSecretRef: secretRefSchema('Schema inside the catalog; alternative to schema.'),
    table: str(
      role === 'read'
        ? 'Table to read, a bare name inside catalog.schema; also the metadata table of each message. Set table, tableSecretRef or query.'
        : 'Table to write, a bare name inside catalog.schema. Set table or tableSecretRef.',
      { minLength: 1 },
    ),
    tableSecretRef: secretRefSchema(`Table to ${role}; alternative to table.`),
    user: str(`Trino user (X-Trino-User). Absent: ${TRINO_DEFAULT_USER}.`, { minLength: 1 }),
    userSecretRef: secretRefSchema('Trino user; alternative to user.'),
    password: str('Password for Trino basic authentication (needs an https:// serverURL) in clear text; prefer passwordSecretRef. Not with keycloak.'),
    passwordSecretRef: secretRefSchema('Password for Trino basic authentication; alternative to password.'),
    keycloak: keycloakConfigSchema(),
    tls: tlsConfigSchema(
      'TLS towards an https:// serverURL (minimum TLS 1.2): a private CA, a client certificate. Without this block the server certificate is still verified against the system trust store.',
    ),
    queryTimeoutSeconds: int('Longest time in seconds one statement may take, including polling for its results. Absent: no limit.', {
      minimum: 1,
    }),
  };
}

export const trinoSourceSchema: JsonSchema = obj(
  'Polls a Trino table (or query) for new rows, ordered by (changeTrackingColumn, orderByColumn). Each row becomes a JSON object keyed by column name.',
  {
    ...connectionProperties('read'),
    ...pollingSourceProperties({}),
  },
);

export const trinoSinkSchema: JsonSchema = obj(
  'Writes messages to a Trino table with one multi-row INSERT per batch. Message keys that are not table columns are ignored; missing columns are NULL.',
  {
    ...connectionProperties('write'),
    ...batchSinkProperties({ batchSizeDefault: 1, batchSizeMinimum: 1 }),
    autoCreateTable: bool(
      'Create the table if it does not exist: with rawMode at start (data VARCHAR, _metadata VARCHAR), otherwise from the first batch with column types inferred from the values.',
      { default: false },
    ),
    upsertMode: bool('MERGE INTO on conflictKey instead of INSERT; needs a catalog whose connector supports MERGE (e.g. Iceberg).', {
      default: false,
    }),
    conflictKey: str('Column, or comma-separated columns, matched by upsertMode.', { minLength: 1, default: 'id' }),
    ...rawModeProperties(),
  },
);

// ---------------------------------------------------------------------------------------------
// Cross-field rules

function checkConnection(c: ConfigCheck): void {
  c.requireValue('serverURL');
  c.requireValue('catalog');
  c.requireValue('schema');
  checkUrl(c, 'serverURL', ['http', 'https'], 'http://trino:8080');
  checkTableName(c, 'catalog', 1, 'a bare catalog name');
  checkTableName(c, 'schema', 1, 'a bare schema name (the catalog is set in catalog)');
  checkTableName(c, 'table', 1, 'a bare table name (catalog and schema are set in catalog and schema)');
  const keycloak = c.nested('keycloak');
  if (keycloak !== undefined) checkKeycloak(keycloak);
  const tls = c.nested('tls');
  if (tls !== undefined) {
    checkTls(tls);
    // A serverURL from a Secret is checked by the worker when it reads it.
    if (c.string('serverURL')?.startsWith('http://') === true) {
      c.report('tls', 'applies only to an https:// serverURL: change serverURL to https:// or remove tls');
    }
  }
  const keycloakTls = keycloak?.nested('tls');
  if (keycloakTls !== undefined) checkTls(keycloakTls);
  if (keycloak !== undefined && c.hasValue('password')) {
    c.report('keycloak', 'set either keycloak (bearer token) or password (basic authentication), not both');
  }
}

export function checkTrinoSource(c: ConfigCheck): void {
  checkConnection(c);
  checkPollingSource(c);
}

export function checkTrinoSink(c: ConfigCheck): void {
  c.requireValue('table');
  checkConnection(c);
  checkBatchSink(c);
  checkColumnList(c, 'conflictKey');
}
