// Shared connector sub-types: Secret references, TLS, SASL, Schema Registry and Keycloak settings,
// each as a TS type plus the JSON schema that describes it (upstream-reference.md §1.3).
// Secret values never appear in a DataFlow: every `*SecretRef` names a key of a Secret in the flow's
// own namespace, which the controller mounts into the worker pod (decisions.md §4, §5).
import { joinPath } from './issues.js';
import type { SpecIssue } from './issues.js';
import { bool, int, obj, str } from './json-schema.js';
import type { JsonSchema } from './json-schema.js';

/** A key of a Secret in the DataFlow's own namespace. Cross-namespace references are rejected. */
export interface SecretRef {
  name: string;
  key: string;
}

export interface TLSConfig {
  insecureSkipVerify?: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  caSecretRef?: SecretRef;
  certSecretRef?: SecretRef;
  keySecretRef?: SecretRef;
}

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface SASLConfig {
  mechanism?: SaslMechanism;
  username?: string;
  password?: string;
  usernameSecretRef?: SecretRef;
  passwordSecretRef?: SecretRef;
}

export interface BasicAuthConfig {
  username?: string;
  password?: string;
  usernameSecretRef?: SecretRef;
  passwordSecretRef?: SecretRef;
}

export interface SchemaRegistryConfig {
  url?: string;
  urlSecretRef?: SecretRef;
  basicAuth?: BasicAuthConfig;
  tls?: TLSConfig;
  cacheSize?: number;
}

export interface KeycloakConfig {
  serverURL?: string;
  realm?: string;
  clientID?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  token?: string;
  serverURLSecretRef?: SecretRef;
  realmSecretRef?: SecretRef;
  clientIDSecretRef?: SecretRef;
  clientSecretSecretRef?: SecretRef;
  usernameSecretRef?: SecretRef;
  passwordSecretRef?: SecretRef;
  tokenSecretRef?: SecretRef;
  tls?: TLSConfig;
}

/** Suffix that marks a Secret reference field; `xSecretRef` is the alternative to the literal `x`. */
export const SECRET_REF_SUFFIX = 'SecretRef';

// ---------------------------------------------------------------------------------------------
// Schemas. Builders return fresh objects so a generated CRD never carries YAML aliases.

/** Schema of one Secret reference; `description` says what the Secret key holds. */
export function secretRefSchema(description: string): JsonSchema {
  return obj(
    `${description} Reads the value from a key of a Secret in the DataFlow's namespace.`,
    {
      name: str("Name of the Secret; it must live in the DataFlow's own namespace.", { minLength: 1, maxLength: 253 }),
      key: str('Key inside the Secret whose value is used.', { minLength: 1 }),
      namespace: str(
        "Accepted only for compatibility with upstream manifests and only when equal to the DataFlow's namespace; " +
          'references to Secrets in other namespaces are rejected. Prefer leaving it out.',
      ),
    },
    ['name', 'key'],
  );
}

export function tlsConfigSchema(description = 'TLS settings for the connection; its presence enables TLS.'): JsonSchema {
  return obj(description, {
    insecureSkipVerify: bool(
      'Skip verification of the server certificate. For tests only; not allowed together with a CA (caFile or caSecretRef).',
      { default: false },
    ),
    caFile: str('Path, inside the worker pod, of a PEM file with the CA certificates that verify the server. Without a CA the system trust store is used.'),
    certFile: str('Path, inside the worker pod, of the PEM client certificate (mutual TLS); needs keyFile or keySecretRef.'),
    keyFile: str('Path, inside the worker pod, of the PEM private key of the client certificate; needs certFile or certSecretRef.'),
    caSecretRef: secretRefSchema('PEM CA certificates; alternative to caFile.'),
    certSecretRef: secretRefSchema('PEM client certificate; alternative to certFile.'),
    keySecretRef: secretRefSchema('PEM private key of the client certificate; alternative to keyFile.'),
  });
}

export function saslConfigSchema(description = 'SASL authentication; its presence enables SASL.'): JsonSchema {
  return obj(description, {
    mechanism: str('SASL mechanism.', { enum: SASL_MECHANISMS, default: 'plain' }),
    username: str('SASL user name. Set username or usernameSecretRef.'),
    password: str('SASL password in clear text; prefer passwordSecretRef. Set password or passwordSecretRef.'),
    usernameSecretRef: secretRefSchema('SASL user name; alternative to username.'),
    passwordSecretRef: secretRefSchema('SASL password; alternative to password.'),
  });
}

export function basicAuthConfigSchema(description = 'HTTP basic authentication; user name and password must both be set.'): JsonSchema {
  return obj(description, {
    username: str('User name. Set username or usernameSecretRef.'),
    password: str('Password in clear text; prefer passwordSecretRef. Set password or passwordSecretRef.'),
    usernameSecretRef: secretRefSchema('User name; alternative to username.'),
    passwordSecretRef: secretRefSchema('Password; alternative to password.'),
  });
}

export function schemaRegistryConfigSchema(description = 'Confluent Schema Registry used to decode or encode Avro.'): JsonSchema {
  return obj(description, {
    url: str('Base URL of the registry, e.g. http://schema-registry:8081. Set url or urlSecretRef.'),
    urlSecretRef: secretRefSchema('Base URL of the registry; alternative to url.'),
    basicAuth: basicAuthConfigSchema('Basic authentication towards the registry.'),
    tls: tlsConfigSchema(
      'TLS settings for an https:// registry. Without this block the server certificate is still verified against the system trust store.',
    ),
    cacheSize: int('Maximum number of schemas kept in memory. Absent: no limit (registry schema ids are immutable).', { minimum: 1 }),
  });
}

export function keycloakConfigSchema(
  description = 'Keycloak (OpenID Connect) token used as a bearer token. Grants, by precedence: a fixed token; username+password (password grant, needs clientID); clientID+clientSecret (client-credentials grant).',
): JsonSchema {
  return obj(description, {
    serverURL: str('Keycloak base URL, e.g. https://keycloak.example.com; the token endpoint is <serverURL>/realms/<realm>/protocol/openid-connect/token. Not needed with token.'),
    realm: str('Keycloak realm. Not needed with token.'),
    clientID: str('OAuth2 client id; needed by the password and client-credentials grants.'),
    clientSecret: str('OAuth2 client secret in clear text; prefer clientSecretSecretRef. With clientID and no username it selects the client-credentials grant.'),
    username: str('User for the password grant (needs password and clientID).'),
    password: str('Password for the password grant in clear text; prefer passwordSecretRef.'),
    token: str('A ready bearer token, sent as-is and never refreshed; prefer tokenSecretRef. Excludes the other grants.'),
    serverURLSecretRef: secretRefSchema('Keycloak base URL; alternative to serverURL.'),
    realmSecretRef: secretRefSchema('Keycloak realm; alternative to realm.'),
    clientIDSecretRef: secretRefSchema('OAuth2 client id; alternative to clientID.'),
    clientSecretSecretRef: secretRefSchema('OAuth2 client secret; alternative to clientSecret.'),
    usernameSecretRef: secretRefSchema('User for the password grant; alternative to username.'),
    passwordSecretRef: secretRefSchema('Password for the password grant; alternative to password.'),
    tokenSecretRef: secretRefSchema('Ready bearer token; alternative to token.'),
    tls: tlsConfigSchema(
      'TLS towards an https:// Keycloak serverURL: a private CA, a client certificate. Without this block the server certificate is verified against the system trust store.',
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// Walking Secret references.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` for every `*SecretRef` property in a config tree, objects and arrays alike. */
function walkSecretRefs(
  node: unknown,
  path: string,
  visit: (path: string, value: unknown, owner: Record<string, unknown>, field: string) => void,
): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => walkSecretRefs(item, joinPath(path, index), visit));
    return;
  }
  if (!isPlainObject(node)) return;
  for (const [field, value] of Object.entries(node)) {
    const fieldPath = joinPath(path, field);
    if (field.endsWith(SECRET_REF_SUFFIX) && field.length > SECRET_REF_SUFFIX.length) visit(fieldPath, value, node, field);
    else walkSecretRefs(value, fieldPath, visit);
  }
}

/**
 * Every well-formed Secret reference in a connector config, with its path below `basePath`
 * (e.g. `sasl.passwordSecretRef`). The controller mounts these into the worker pod.
 */
export function secretRefsOf(config: unknown, basePath = ''): Array<{ path: string; ref: SecretRef }> {
  const found: Array<{ path: string; ref: SecretRef }> = [];
  walkSecretRefs(config, basePath, (path, value) => {
    if (!isPlainObject(value)) return;
    const { name, key } = value;
    if (typeof name === 'string' && name !== '' && typeof key === 'string' && key !== '') {
      found.push({ path, ref: { name, key } });
    }
  });
  return found;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !(Array.isArray(value) && value.length === 0);
}

/**
 * Rules every Secret reference follows: an object with non-empty `name` and `key`, no namespace
 * other than the flow's, and never together with the literal field it replaces (`x` vs `xSecretRef`).
 * Without `flowNamespace` (a spec checked outside a cluster) any `namespace` is left to the cluster.
 */
export function checkSecretRefs(config: unknown, basePath: string, flowNamespace?: string): SpecIssue[] {
  const issues: SpecIssue[] = [];
  walkSecretRefs(config, basePath, (path, value, owner, field) => {
    if (value === undefined || value === null) return;
    if (!isPlainObject(value)) {
      issues.push({ path, message: `must be an object { name, key } naming a key of a Secret in the flow's namespace` });
      return;
    }
    for (const part of ['name', 'key'] as const) {
      const v = value[part];
      if (typeof v !== 'string' || v === '') {
        issues.push({ path: joinPath(path, part), message: `set ${part}: the ${part === 'name' ? "Secret's name" : 'key inside the Secret'}` });
      }
    }
    const ns = value['namespace'];
    if (ns !== undefined && ns !== null && ns !== '' && flowNamespace !== undefined && ns !== flowNamespace) {
      issues.push({
        path: joinPath(path, 'namespace'),
        message: `Secrets must live in the flow's namespace "${flowNamespace}": remove namespace and create the Secret in "${flowNamespace}"`,
      });
    }
    const literal = field.slice(0, -SECRET_REF_SUFFIX.length);
    if (isSet(owner[literal])) {
      issues.push({ path, message: `set either ${literal} or ${field}, not both` });
    }
  });
  return issues;
}
