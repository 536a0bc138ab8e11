// Typed Trino source and sink settings from a connector config (fields and defaults of
// upstream-reference.md §1.4.4, §1.5.3, §1.5.4, §1.5.7). Secret references stay references here
// and are read at open(), so a rotated Secret is used by the next open.
import { ConfigError, errorMessage } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';

/** A literal value or a reference to a Secret key holding it. */
export type ValueSource = { readonly value: string } | { readonly secretRef: { readonly name: string; readonly key: string } };

export interface KeycloakSettings {
  readonly serverURL?: ValueSource;
  readonly realm?: ValueSource;
  readonly clientID?: ValueSource;
  readonly clientSecret?: ValueSource;
  readonly username?: ValueSource;
  readonly password?: ValueSource;
  readonly token?: ValueSource;
}

export interface TrinoConnectionSettings {
  readonly serverURL: ValueSource;
  readonly catalog: ValueSource;
  readonly schema: ValueSource;
  readonly table?: ValueSource;
  readonly user?: ValueSource;
  readonly password?: ValueSource;
  readonly keycloak?: KeycloakSettings;
  /** Absent: no limit. */
  readonly queryTimeoutMs?: number;
}

export interface TrinoSourceSettings extends TrinoConnectionSettings {
  readonly query?: string;
  readonly pollIntervalMs: number;
  /** Rows per poll at most; 0 = no limit (read page by page). */
  readonly readBatchSize: number;
  /** Absent: rows are tracked by orderByColumn alone. */
  readonly changeTrackingColumn?: string;
  readonly orderByColumn: string;
}

export interface TrinoSinkSettings extends TrinoConnectionSettings {
  readonly table: ValueSource;
  readonly autoCreateTable: boolean;
  readonly upsertMode: boolean;
  readonly conflictKey: readonly string[];
  readonly rawMode: boolean;
  readonly flattenMetadataColumns: boolean;
  readonly flattenMetadataColumnsPrefix: string;
}

/** Sent as X-Trino-User when no user is configured (the upstream value). */
export const DEFAULT_TRINO_USER = 'dataflow-operator';
const KEYCLOAK_FIELDS = ['serverURL', 'realm', 'clientID', 'clientSecret', 'username', 'password', 'token'] as const;

export function parseTrinoSourceConfig(config: Record<string, unknown>): TrinoSourceSettings {
  const fields = new ConfigFields(config, 'trino source');
  const connection = parseConnection(config, fields);
  const query = optionalString(config, fields, 'query');
  if (connection.table === undefined && query === undefined) throw fields.fail('table', 'must be set (or set query)');
  if (query !== undefined && /;\s*$/.test(query)) throw fields.fail('query', 'must not end with a semicolon: it is wrapped in a subquery');
  const pollInterval = fields.optionalNumber('pollInterval', { exclusiveMin: 0 }) ?? 5;
  const changeTrackingColumn = optionalString(config, fields, 'changeTrackingColumn');
  return {
    ...connection,
    pollIntervalMs: pollInterval * 1000,
    readBatchSize: fields.optionalNumber('readBatchSize', { integer: true, min: 0 }) ?? 0,
    orderByColumn: optionalString(config, fields, 'orderByColumn') ?? 'id',
    ...(changeTrackingColumn === undefined ? {} : { changeTrackingColumn }),
    ...(query === undefined ? {} : { query }),
  };
}

export function parseTrinoSinkConfig(config: Record<string, unknown>): TrinoSinkSettings {
  const fields = new ConfigFields(config, 'trino sink');
  const connection = parseConnection(config, fields);
  if (connection.table === undefined) throw fields.fail('table', 'must be set (or tableSecretRef)');
  const rawMode = fields.optionalBoolean('rawMode', false);
  const flattenMetadataColumns = fields.optionalBoolean('flattenMetadataColumns', false);
  if (flattenMetadataColumns && !rawMode) throw fields.fail('flattenMetadataColumns', 'works only with rawMode: true');
  const conflictKey = (optionalString(config, fields, 'conflictKey') ?? 'id').split(',').map((part) => part.trim());
  if (conflictKey.some((part) => part === '')) throw fields.fail('conflictKey', 'must be a comma-separated list of column names without empty entries');
  return {
    ...connection,
    table: connection.table,
    autoCreateTable: fields.optionalBoolean('autoCreateTable', false),
    upsertMode: fields.optionalBoolean('upsertMode', false),
    conflictKey,
    rawMode,
    flattenMetadataColumns,
    flattenMetadataColumnsPrefix: optionalString(config, fields, 'flattenMetadataColumnsPrefix', true) ?? '',
  };
}

function parseConnection(config: Record<string, unknown>, fields: ConfigFields): TrinoConnectionSettings {
  const serverURL = valueSource(config, fields, 'serverURL', true) as ValueSource;
  if ('value' in serverURL && !/^https?:\/\/[^/]/.test(serverURL.value)) throw fields.fail('serverURL', `must be an http:// or https:// URL, got ${JSON.stringify(serverURL.value)}`);
  const table = valueSource(config, fields, 'table', false);
  const user = valueSource(config, fields, 'user', false);
  const password = valueSource(config, fields, 'password', false);
  const keycloak = parseKeycloak(config, fields);
  if (keycloak !== undefined && password !== undefined) throw fields.fail('keycloak', 'and password are both set: use a bearer token or basic authentication, not both');
  const timeout = fields.optionalNumber('queryTimeoutSeconds', { exclusiveMin: 0 });
  return {
    serverURL,
    catalog: valueSource(config, fields, 'catalog', true) as ValueSource,
    schema: valueSource(config, fields, 'schema', true) as ValueSource,
    ...(table === undefined ? {} : { table }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(keycloak === undefined ? {} : { keycloak }),
    ...(timeout === undefined ? {} : { queryTimeoutMs: timeout * 1000 }),
  };
}

function parseKeycloak(config: Record<string, unknown>, parent: ConfigFields): KeycloakSettings | undefined {
  const raw = config['keycloak'];
  if (raw === undefined || raw === null) return undefined;
  const object = parent.requiredObject('keycloak');
  const fields = new ConfigFields(object, 'trino keycloak');
  const settings: Record<string, ValueSource> = {};
  for (const name of KEYCLOAK_FIELDS) {
    const source = valueSource(object, fields, name, false);
    if (source !== undefined) settings[name] = source;
  }
  const has = (name: (typeof KEYCLOAK_FIELDS)[number]): boolean => settings[name] !== undefined;
  if (!has('token')) {
    if (!has('serverURL') || !has('realm')) throw parent.fail('keycloak', 'needs token, or serverURL and realm for a token grant');
    if (!has('clientID')) throw parent.fail('keycloak.clientID', 'must be set for a token grant');
    if (has('username') !== has('password')) throw parent.fail('keycloak', 'needs both username and password for the password grant');
    if (!has('username') && !has('clientSecret')) throw parent.fail('keycloak', 'needs token, username and password (password grant) or clientSecret (client credentials)');
  }
  return settings;
}

/** Reads a literal or its Secret; `field` names the config field in errors. */
export async function resolveValue(source: ValueSource, secrets: SecretReader, owner: string, field: string): Promise<string> {
  if ('value' in source) return source.value;
  let value: string;
  try {
    value = await secrets.read(source.secretRef);
  } catch (error) {
    throw new ConfigError(`${owner}: config.${field}SecretRef ${source.secretRef.name}/${source.secretRef.key} cannot be read: ${errorMessage(error)}`, { cause: error });
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new ConfigError(`${owner}: the Secret ${source.secretRef.name}/${source.secretRef.key} of config.${field}SecretRef is empty`);
  return trimmed;
}

/** Resolves an optional value; undefined stays undefined. */
export async function resolveOptional(source: ValueSource | undefined, secrets: SecretReader, owner: string, field: string): Promise<string | undefined> {
  return source === undefined ? undefined : resolveValue(source, secrets, owner, field);
}

function optionalString(config: Record<string, unknown>, fields: ConfigFields, field: string, allowEmpty = false): string | undefined {
  const value = config[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fields.fail(field, `must be a string, got ${JSON.stringify(value)}`);
  if (value === '' && !allowEmpty) return undefined;
  return value;
}

function valueSource(config: Record<string, unknown>, fields: ConfigFields, field: string, required: boolean): ValueSource | undefined {
  const literal = optionalString(config, fields, field);
  const refField = `${field}SecretRef`;
  const ref = config[refField];
  if (literal !== undefined && ref !== undefined && ref !== null) throw fields.fail(field, `and ${refField} are both set: keep one`);
  if (literal !== undefined) return { value: literal };
  if (ref !== undefined && ref !== null) {
    const object = fields.requiredObject(refField);
    const name = object['name'];
    const key = object['key'];
    if (typeof name !== 'string' || name === '' || typeof key !== 'string' || key === '') throw fields.fail(refField, 'must have a non-empty name and key');
    return { secretRef: { name, key } };
  }
  if (required) throw fields.fail(field, `must be set (or ${refField})`);
  return undefined;
}
