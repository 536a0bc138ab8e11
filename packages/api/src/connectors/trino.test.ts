import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { checkSinkConfig, checkSourceConfig } from './index.js';
import { trinoSinkSchema, trinoSourceSchema } from './trino.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const source = (config: Record<string, unknown>) => checkSourceConfig('trino', config, 'spec.source.config', 'ns');
const sink = (config: Record<string, unknown>) => checkSinkConfig('trino', config, 'spec.sink.config', 'ns');
const conn = { serverURL: 'http://trino:8080', catalog: 'iceberg', schema: 'sales', table: 'orders' };
const kc = (grant: Record<string, unknown>) => ({ ...conn, keycloak: grant });

void describe('trino source', () => {
  void it('accepts a minimal config and fills in the upstream defaults', () => {
    const config: Record<string, unknown> = { ...conn };
    assert.deepEqual(schemaErrors(trinoSourceSchema, config), []);
    assert.deepEqual(source(config), []);
    assert.equal(config['pollInterval'], 5);
    assert.equal(config['orderByColumn'], 'id');
    assert.equal(config['readBatchSize'], 0);
    assert.equal(config['changeTrackingColumn'], undefined, 'upstream has no default for Trino');
    assert.equal(config['user'], undefined, 'the default user is applied by the worker, not the schema');
  });

  void it('accepts Secret references and a query', () => {
    const config = {
      serverURLSecretRef: { name: 't', key: 'url' },
      catalogSecretRef: { name: 't', key: 'catalog' },
      schemaSecretRef: { name: 't', key: 'schema' },
      query: 'SELECT id, name FROM customers',
      user: 'etl',
      passwordSecretRef: { name: 't', key: 'password' },
      queryTimeoutSeconds: 120,
    };
    assert.deepEqual(schemaErrors(trinoSourceSchema, config), []);
    assert.deepEqual(source(config), []);
  });

  void it('requires server, catalog, schema and a table or query', () => {
    assert.deepEqual(source({}), [
      { path: 'spec.source.config.serverURL', message: 'set either serverURL or serverURLSecretRef' },
      { path: 'spec.source.config.catalog', message: 'set either catalog or catalogSecretRef' },
      { path: 'spec.source.config.schema', message: 'set either schema or schemaSecretRef' },
      { path: 'spec.source.config.table', message: 'set table (or tableSecretRef) or query' },
    ]);
  });

  void it('wants bare names and an http(s) URL', () => {
    assert.deepEqual(source({ ...conn, serverURL: 'ftp://trino', table: 'sales.orders' }), [
      { path: 'spec.source.config.serverURL', message: 'must use http:// or https://, e.g. http://trino:8080 (got ftp://)' },
      { path: 'spec.source.config.table', message: 'must be a bare table name (catalog and schema are set in catalog and schema) (got 2 dot-separated parts)' },
    ]);
  });

  void it('accepts each complete Keycloak grant', () => {
    assert.deepEqual(source(kc({ tokenSecretRef: { name: 'kc', key: 'token' } })), []);
    assert.deepEqual(source(kc({ serverURL: 'https://kc', realm: 'r', clientID: 'trino', username: 'u', passwordSecretRef: { name: 'kc', key: 'p' } })), []);
    assert.deepEqual(source(kc({ serverURL: 'https://kc', realm: 'r', clientID: 'trino', clientSecretSecretRef: { name: 'kc', key: 's' } })), []);
    assert.deepEqual(schemaErrors(trinoSourceSchema, kc({ token: 't' })), [], 'serverURL, realm and clientID are not schema-required');
  });

  void it('rejects incomplete or mixed Keycloak grants', () => {
    assert.deepEqual(source(kc({})), [
      { path: 'spec.source.config.keycloak', message: 'choose a grant: set token, or username and password (with clientID), or clientID and clientSecret' },
    ]);
    assert.deepEqual(source(kc({ token: 't', clientSecret: 's' })), [
      { path: 'spec.source.config.keycloak.token', message: 'a token is used as-is: remove token, or remove username, password and clientSecret' },
    ]);
    assert.deepEqual(source(kc({ username: 'u' })), [
      { path: 'spec.source.config.keycloak.password', message: 'the password grant needs a password: set either password or passwordSecretRef' },
      { path: 'spec.source.config.keycloak.clientID', message: 'the password grant needs a client: set either clientID or clientIDSecretRef' },
      { path: 'spec.source.config.keycloak.serverURL', message: 'set either serverURL or serverURLSecretRef' },
      { path: 'spec.source.config.keycloak.realm', message: 'set either realm or realmSecretRef' },
    ]);
    assert.deepEqual(source(kc({ serverURL: 'kc.local', realm: 'r', clientSecret: 's' })), [
      { path: 'spec.source.config.keycloak.clientID', message: 'the client-credentials grant needs a client: set either clientID or clientIDSecretRef' },
      { path: 'spec.source.config.keycloak.serverURL', message: 'must be a URL such as https://keycloak.example.com' },
    ]);
  });

  void it('refuses Keycloak together with basic authentication', () => {
    assert.deepEqual(source({ ...kc({ token: 't' }), password: 'p' }), [
      { path: 'spec.source.config.keycloak', message: 'set either keycloak (bearer token) or password (basic authentication), not both' },
    ]);
  });

  void it('accepts a private CA for an https Trino and its Keycloak', () => {
    const https = { ...conn, serverURL: 'https://trino:8443' };
    const ca = { caSecretRef: { name: 'trino-ca', key: 'ca.crt' } };
    assert.deepEqual(source({ ...https, tls: ca, keycloak: { token: 't', tls: { caFile: '/etc/kc/ca.pem' } } }), []);
    assert.deepEqual(schemaErrors(trinoSourceSchema, { ...https, tls: ca }), []);
  });

  void it('rejects tls on an http:// serverURL and a CA next to insecureSkipVerify', () => {
    assert.deepEqual(source({ ...conn, tls: { caFile: '/ca.pem' } }), [
      { path: 'spec.source.config.tls', message: 'applies only to an https:// serverURL: change serverURL to https:// or remove tls' },
    ]);
    const insecure = { insecureSkipVerify: true, caFile: '/ca.pem' };
    assert.deepEqual(
      source({ ...conn, serverURL: 'https://trino:8443', keycloak: { token: 't', tls: insecure } }).map((issue) => issue.path),
      ['spec.source.config.keycloak.tls.insecureSkipVerify'],
    );
  });
});

void describe('trino sink', () => {
  void it('accepts a minimal config and fills in the upstream defaults', () => {
    const config: Record<string, unknown> = { ...conn };
    assert.deepEqual(schemaErrors(trinoSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
    assert.equal(config['batchSize'], 1);
    assert.equal(config['batchFlushIntervalSeconds'], 10);
    assert.equal(config['autoCreateTable'], false);
    assert.equal(config['rawMode'], false);
    assert.equal(config['upsertMode'], false);
    assert.equal(config['conflictKey'], 'id');
  });

  void it('accepts upserts, rawMode and a query timeout', () => {
    const config = { ...conn, batchSize: 200, upsertMode: true, conflictKey: 'id', rawMode: true, autoCreateTable: true, queryTimeoutSeconds: 60 };
    assert.deepEqual(schemaErrors(trinoSinkSchema, config), []);
    assert.deepEqual(sink(config), []);
  });

  void it('schema rejects a zero batch, a zero timeout and a query', () => {
    assert.equal(schemaErrors(trinoSinkSchema, { ...conn, batchSize: 0 }).length, 1);
    assert.equal(schemaErrors(trinoSinkSchema, { ...conn, queryTimeoutSeconds: 0 }).length, 1);
    assert.equal(schemaErrors(trinoSinkSchema, { ...conn, query: 'SELECT 1' }).length, 1);
  });

  void it('requires a table', () => {
    const { table: _table, ...noTable } = conn;
    assert.deepEqual(sink(noTable), [{ path: 'spec.sink.config.table', message: 'set either table or tableSecretRef' }]);
  });
});
