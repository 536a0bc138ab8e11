// Typed Trino source and sink settings from a connector config (fields and defaults of
// upstream-reference.md §1.4.4, §1.5.3, §1.5.4, §1.5.7). Secret references stay references here
// and are read at open(), so a rotated Secret is used by the next open.
import type { SecretReader } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';
import type { PollingFields, ValueSource } from '../polling/config.js';
import { optionalString, parsePollingFields, resolveValue, valueSource } from '../polling/config.js';

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
  /** The `tls` block towards Trino, read at open (files and Secrets). */
  readonly tls?: Record<string, unknown>;
  /** The `keycloak.tls` block towards the token endpoint. */
  readonly keycloakTls?: Record<string, unknown>;
  /** Absent: no limit. */
  readonly queryTimeoutMs?: number;
}

/** changeTrackingColumn absent: rows are tracked by orderByColumn alone. */
export interface TrinoSourceSettings extends TrinoConnectionSettings, PollingFields {}

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
/** changeTrackingColumn has no default: absent, rows are tracked by orderByColumn alone. */
export const SOURCE_DEFAULTS = { pollIntervalSeconds: 5, readBatchSize: 0, orderByColumn: 'id' } as const;
const KEYCLOAK_FIELDS = ['serverURL', 'realm', 'clientID', 'clientSecret', 'username', 'password', 'token'] as const;

export function parseTrinoSourceConfig(config: Record<string, unknown>): TrinoSourceSettings {
  const fields = new ConfigFields(config, 'trino source');
  const connection = parseConnection(config, fields);
  const polling = parsePollingFields(config, fields, connection.table !== undefined, SOURCE_DEFAULTS);
  return { ...connection, ...polling };
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
  const tls = optionalObject(config['tls'], fields, 'tls');
  if (tls !== undefined && 'value' in serverURL && serverURL.value.startsWith('http://')) {
    throw fields.fail('tls', 'applies only to an https:// serverURL: change serverURL to https:// or remove tls');
  }
  const keycloakTls = keycloak === undefined ? undefined : optionalObject(fields.requiredObject('keycloak')['tls'], fields, 'keycloak.tls');
  return {
    serverURL,
    catalog: valueSource(config, fields, 'catalog', true) as ValueSource,
    schema: valueSource(config, fields, 'schema', true) as ValueSource,
    ...(table === undefined ? {} : { table }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(keycloak === undefined ? {} : { keycloak }),
    ...(tls === undefined ? {} : { tls }),
    ...(keycloakTls === undefined ? {} : { keycloakTls }),
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

function optionalObject(value: unknown, fields: ConfigFields, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw fields.fail(path, 'must be an object');
  return value as Record<string, unknown>;
}

/** Resolves an optional value; undefined stays undefined. */
export async function resolveOptional(source: ValueSource | undefined, secrets: SecretReader, owner: string, field: string): Promise<string | undefined> {
  return source === undefined ? undefined : resolveValue(source, secrets, owner, field);
}
