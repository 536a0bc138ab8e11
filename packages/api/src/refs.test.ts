import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import {
  basicAuthConfigSchema,
  checkSecretRefs,
  keycloakConfigSchema,
  saslConfigSchema,
  schemaRegistryConfigSchema,
  secretRefSchema,
  secretRefsOf,
  tlsConfigSchema,
} from './refs.js';
import type { JsonSchema } from './json-schema.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

void describe('secretRefSchema', () => {
  const schema = secretRefSchema('Test value.');

  void it('accepts name and key, and a namespace for compatibility', () => {
    assert.deepEqual(schemaErrors(schema, { name: 'creds', key: 'password' }), []);
    assert.deepEqual(schemaErrors(schema, { name: 'creds', key: 'password', namespace: 'team-a' }), []);
  });

  void it('requires non-empty name and key and rejects unknown fields', () => {
    assert.equal(schemaErrors(schema, { name: 'creds' }).length, 1);
    assert.equal(schemaErrors(schema, { name: '', key: 'k' }).length, 1);
    assert.equal(schemaErrors(schema, { name: 'creds', key: 'k', optional: true }).length, 1);
  });
});

void describe('shared sub-type schemas', () => {
  void it('apply their defaults and validate their enums', () => {
    const tls: Record<string, unknown> = { caFile: '/etc/ca.pem' };
    assert.deepEqual(schemaErrors(tlsConfigSchema(), tls), []);
    assert.equal(tls['insecureSkipVerify'], false);

    const sasl: Record<string, unknown> = { username: 'u', passwordSecretRef: { name: 's', key: 'p' } };
    assert.deepEqual(schemaErrors(saslConfigSchema(), sasl), []);
    assert.equal(sasl['mechanism'], 'plain');
    assert.equal(schemaErrors(saslConfigSchema(), { mechanism: 'gssapi' }).length, 1);
  });

  void it('accept complete registry, basic auth and keycloak blocks', () => {
    assert.deepEqual(
      schemaErrors(schemaRegistryConfigSchema(), {
        url: 'https://registry:8081',
        basicAuth: { username: 'u', password: 'p' },
        tls: { insecureSkipVerify: true },
        cacheSize: 50,
      }),
      [],
    );
    assert.deepEqual(schemaErrors(basicAuthConfigSchema(), { usernameSecretRef: { name: 'a', key: 'b' } }), []);
    assert.deepEqual(
      schemaErrors(keycloakConfigSchema(), { serverURL: 'https://kc', realm: 'r', clientID: 'c', clientSecretSecretRef: { name: 'kc', key: 'secret' } }),
      [],
    );
    assert.equal(schemaErrors(schemaRegistryConfigSchema(), { url: 'http://r', cacheSize: 0 }).length, 1);
  });

  void it('are fresh objects on every call (no shared nodes in a generated CRD)', () => {
    assert.notEqual(tlsConfigSchema(), tlsConfigSchema());
    assert.notEqual(secretRefSchema('x').properties, secretRefSchema('x').properties);
  });
});

void describe('secretRefsOf', () => {
  void it('finds every well-formed reference, nested in objects and arrays, with its path', () => {
    const config = {
      brokersSecretRef: { name: 'kafka', key: 'brokers' },
      sasl: { username: 'u', passwordSecretRef: { name: 'kafka', key: 'password' } },
      schemaRegistry: { url: 'http://r', basicAuth: { usernameSecretRef: { name: 'reg', key: 'user', namespace: 'ns' } } },
      list: [{ tokenSecretRef: { name: 'tok', key: 't' } }],
    };
    assert.deepEqual(secretRefsOf(config, 'spec.source.config'), [
      { path: 'spec.source.config.brokersSecretRef', ref: { name: 'kafka', key: 'brokers' } },
      { path: 'spec.source.config.sasl.passwordSecretRef', ref: { name: 'kafka', key: 'password' } },
      { path: 'spec.source.config.schemaRegistry.basicAuth.usernameSecretRef', ref: { name: 'reg', key: 'user' } },
      { path: 'spec.source.config.list[0].tokenSecretRef', ref: { name: 'tok', key: 't' } },
    ]);
  });

  void it('skips malformed references and fields that merely contain the word', () => {
    assert.deepEqual(secretRefsOf({ aSecretRef: { name: 'x' }, bSecretRef: 'x', SecretRef: { name: 'n', key: 'k' } }), []);
    assert.deepEqual(secretRefsOf({ topicSecretRef: { name: 'n', key: 'k' } }), [{ path: 'topicSecretRef', ref: { name: 'n', key: 'k' } }]);
  });
});

void describe('checkSecretRefs', () => {
  const base = 'spec.sink.config';

  void it('accepts references in the flow namespace, with or without namespace', () => {
    const config = { tableSecretRef: { name: 't', key: 'k' }, tls: { caSecretRef: { name: 'ca', key: 'ca.crt', namespace: 'team-a' } } };
    assert.deepEqual(checkSecretRefs(config, base, 'team-a'), []);
  });

  void it('rejects a reference to another namespace', () => {
    const config = { sasl: { passwordSecretRef: { name: 's', key: 'p', namespace: 'kube-system' } } };
    assert.deepEqual(checkSecretRefs(config, base, 'team-a'), [
      {
        path: 'spec.sink.config.sasl.passwordSecretRef.namespace',
        message: 'Secrets must live in the flow\'s namespace "team-a": remove namespace and create the Secret in "team-a"',
      },
    ]);
  });

  void it('leaves the namespace alone when the flow namespace is unknown', () => {
    assert.deepEqual(checkSecretRefs({ aSecretRef: { name: 's', key: 'p', namespace: 'other' } }, base), []);
  });

  void it('requires name and key', () => {
    assert.deepEqual(checkSecretRefs({ topicSecretRef: { name: '' } }, base, 'ns'), [
      { path: 'spec.sink.config.topicSecretRef.name', message: "set name: the Secret's name" },
      { path: 'spec.sink.config.topicSecretRef.key', message: 'set key: the key inside the Secret' },
    ]);
    assert.deepEqual(checkSecretRefs({ topicSecretRef: 'creds' }, base), [
      { path: 'spec.sink.config.topicSecretRef', message: "must be an object { name, key } naming a key of a Secret in the flow's namespace" },
    ]);
  });

  void it('rejects a literal together with its reference, at any depth', () => {
    const config = { brokers: ['k:9092'], brokersSecretRef: { name: 'b', key: 'b' }, keycloak: { token: 't', tokenSecretRef: { name: 'k', key: 't' } } };
    assert.deepEqual(checkSecretRefs(config, base, 'ns'), [
      { path: 'spec.sink.config.brokersSecretRef', message: 'set either brokers or brokersSecretRef, not both' },
      { path: 'spec.sink.config.keycloak.tokenSecretRef', message: 'set either token or tokenSecretRef, not both' },
    ]);
  });

  void it('treats an empty literal as unset', () => {
    assert.deepEqual(checkSecretRefs({ brokers: [], brokersSecretRef: { name: 'b', key: 'b' } }, base, 'ns'), []);
  });
});
