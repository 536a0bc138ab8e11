// Config fields every SQL polling connector reads the same way: literal-or-Secret values, optional
// strings, and the polling fields (query, pollInterval, readBatchSize, cursor columns). Errors name
// the field through ConfigFields. What each system adds (connection fields, table-name syntax) stays
// in the connector's own config.ts.
import { ConfigError, errorMessage } from '../../errors.js';
import type { SecretReader } from '../../plugin.js';
import type { ConfigFields } from '../config-fields.js';

/** A literal value or a reference to a Secret key holding it. */
export type ValueSource = { readonly value: string } | { readonly secretRef: { readonly name: string; readonly key: string } };

/** A string field; null and absent read as undefined, and so does '' unless allowEmpty. */
export function optionalString(config: Record<string, unknown>, fields: ConfigFields, field: string, allowEmpty = false): string | undefined {
  const value = config[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw fields.fail(field, `must be a string, got ${JSON.stringify(value)}`);
  if (value === '' && !allowEmpty) return undefined;
  return value;
}

/** `field` as a literal, or `<field>SecretRef` {name, key}; setting both is an error. */
export function valueSource(config: Record<string, unknown>, fields: ConfigFields, field: string, required: boolean, allowEmpty = false): ValueSource | undefined {
  const literal = optionalString(config, fields, field, allowEmpty);
  const refField = `${field}SecretRef`;
  const ref = config[refField];
  const hasRef = ref !== undefined && ref !== null;
  if (literal !== undefined && hasRef) throw fields.fail(field, `and ${refField} are both set: keep one`);
  if (literal !== undefined) return { value: literal };
  if (hasRef) {
    const refObject = fields.requiredObject(refField);
    const name = refObject['name'];
    const key = refObject['key'];
    if (typeof name !== 'string' || name === '' || typeof key !== 'string' || key === '') throw fields.fail(refField, 'must have a non-empty name and key');
    return { secretRef: { name, key } };
  }
  if (required) throw fields.fail(field, `must be set (or ${refField})`);
  return undefined;
}

/** Reads a literal or its Secret (at open, so a rotated Secret is used); `field` names the config field in errors. */
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

export interface PollingDefaults {
  readonly pollIntervalSeconds: number;
  readonly readBatchSize: number;
  readonly orderByColumn: string;
}

export interface PollingFields {
  readonly query?: string;
  readonly pollIntervalMs: number;
  /** Rows per poll at most; 0 = no limit (read page by page). */
  readonly readBatchSize: number;
  /** Absent when the field is not set (each connector decides on its default). */
  readonly changeTrackingColumn?: string;
  readonly orderByColumn: string;
}

/** The polling fields; a source needs a table or a query, and the query becomes a subquery (no trailing `;`). */
export function parsePollingFields(config: Record<string, unknown>, fields: ConfigFields, hasTable: boolean, defaults: PollingDefaults): PollingFields {
  const query = optionalString(config, fields, 'query');
  if (!hasTable && query === undefined) throw fields.fail('table', 'must be set (or set query)');
  if (query !== undefined && /;\s*$/.test(query)) throw fields.fail('query', 'must not end with a semicolon: it is wrapped in a subquery');
  const pollInterval = fields.optionalNumber('pollInterval', { exclusiveMin: 0 }) ?? defaults.pollIntervalSeconds;
  const readBatchSize = fields.optionalNumber('readBatchSize', { integer: true, min: 0 }) ?? defaults.readBatchSize;
  const changeTrackingColumn = optionalString(config, fields, 'changeTrackingColumn');
  return {
    pollIntervalMs: pollInterval * 1000,
    readBatchSize,
    orderByColumn: optionalString(config, fields, 'orderByColumn') ?? defaults.orderByColumn,
    ...(changeTrackingColumn === undefined ? {} : { changeTrackingColumn }),
    ...(query === undefined ? {} : { query }),
  };
}
