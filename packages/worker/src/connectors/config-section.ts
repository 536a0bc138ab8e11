// Typed reads of the nested parts of a connector config (connection, TLS, SASL, Schema
// Registry) with errors that name the field. A value may come literally or through a `<field>SecretRef`
// read with the plugin's SecretReader; either way only the resolved value leaves this file.
import { readFile } from 'node:fs/promises';
import { ConfigError, errorMessage } from '../errors.js';
import type { SecretReader } from '../plugin.js';

/** A config object plus where it sits, so every error names `<owner>: config.<path>`. */
export class Section {
  readonly values: Record<string, unknown>;
  readonly owner: string;
  readonly path: string;

  constructor(values: Record<string, unknown>, owner: string, path = '') {
    this.values = values;
    this.owner = owner;
    this.path = path;
  }

  fieldPath(field: string): string {
    return this.path === '' ? field : `${this.path}.${field}`;
  }

  fail(field: string, problem: string): ConfigError {
    return new ConfigError(`${this.owner}: config.${this.fieldPath(field)} ${problem}`);
  }

  has(field: string): boolean {
    const value = this.values[field];
    return value !== undefined && value !== null;
  }

  /** The nested object at `field`, or undefined when absent. */
  section(field: string): Section | undefined {
    const value = this.values[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.fail(field, 'must be an object');
    return new Section(value as Record<string, unknown>, this.owner, this.fieldPath(field));
  }

  optionalString(field: string): string | undefined {
    const value = this.values[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.fail(field, `must be a string, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalEnum<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(field);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw this.fail(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  }

  optionalBoolean(field: string, fallback: boolean): boolean {
    const value = this.values[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw this.fail(field, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalInteger(field: string, min: number): number | undefined {
    const value = this.values[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.fail(field, `must be an integer, got ${JSON.stringify(value)}`);
    if (value < min) throw this.fail(field, `must be at least ${min}, got ${value}`);
    return value;
  }

  optionalStringMap(field: string): Record<string, string> | undefined {
    const value = this.values[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.fail(field, 'must be a map of strings');
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'string') throw this.fail(`${field}.${key}`, `must be a string, got ${JSON.stringify(item)}`);
      out[key] = item;
    }
    return out;
  }

  /** `{ name, key }` at `field`, or undefined when absent. */
  secretRef(field: string): { name: string; key: string } | undefined {
    const ref = this.section(field);
    if (ref === undefined) return undefined;
    const name = ref.optionalString('name');
    const key = ref.optionalString('key');
    if (name === undefined || key === undefined) throw this.fail(field, 'must name a Secret and a key: { name, key }');
    return { name, key };
  }

  /**
   * The value of `field`, given literally or through `<field>SecretRef` (never both). Secret
   * values are read as stored; a read failure becomes a ConfigError naming the field, never the value.
   */
  async stringOrSecret(field: string, secrets: SecretReader): Promise<string | undefined> {
    const literal = this.optionalString(field);
    const refField = `${field}SecretRef`;
    const ref = this.secretRef(refField);
    if (literal !== undefined && ref !== undefined) throw this.fail(refField, `cannot be combined with ${field}: set one of them`);
    if (ref === undefined) return literal;
    try {
      return await secrets.read(ref);
    } catch (error) {
      throw new ConfigError(`${this.owner}: config.${this.fieldPath(refField)} could not be read: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** PEM text from `<stem>File` (a path in the pod) or `<stem>SecretRef`. */
  async fileOrSecret(stem: string, secrets: SecretReader): Promise<string | undefined> {
    const fileField = `${stem}File`;
    const file = this.optionalString(fileField);
    const refField = `${stem}SecretRef`;
    const ref = this.secretRef(refField);
    if (file !== undefined && ref !== undefined) throw this.fail(refField, `cannot be combined with ${fileField}: set one of them`);
    if (file !== undefined) {
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        throw new ConfigError(`${this.owner}: config.${this.fieldPath(fileField)}: cannot read ${file}: ${errorMessage(error)}`, { cause: error });
      }
    }
    if (ref === undefined) return undefined;
    try {
      return await secrets.read(ref);
    } catch (error) {
      throw new ConfigError(`${this.owner}: config.${this.fieldPath(refField)} could not be read: ${errorMessage(error)}`, { cause: error });
    }
  }
}
