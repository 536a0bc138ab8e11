// Typed reads of a connector config with errors that name the connector and the field. The spec
// was validated against the JSON schema already; these checks keep a connector safe when it is
// built directly (tests, `dataflow run`) and turn a bad value into a ConfigError, not a crash.
import { ConfigError } from '../errors.js';

export class ConfigFields {
  private readonly config: Record<string, unknown>;
  private readonly owner: string;

  /** `owner` names the connector in messages, e.g. `file source`. */
  constructor(config: Record<string, unknown>, owner: string) {
    this.config = config;
    this.owner = owner;
  }

  fail(field: string, problem: string): ConfigError {
    return new ConfigError(`${this.owner}: config.${field} ${problem}`);
  }

  requiredString(field: string): string {
    const value = this.config[field];
    if (typeof value !== 'string' || value === '') throw this.fail(field, 'must be a non-empty string');
    return value;
  }

  optionalBoolean(field: string, fallback: boolean): boolean {
    const value = this.config[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw this.fail(field, `must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalNumber(field: string, check: { integer?: boolean; min?: number; exclusiveMin?: number } = {}): number | undefined {
    const value = this.config[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.fail(field, `must be a number, got ${JSON.stringify(value)}`);
    if (check.integer === true && !Number.isInteger(value)) throw this.fail(field, `must be an integer, got ${value}`);
    if (check.min !== undefined && value < check.min) throw this.fail(field, `must be at least ${check.min}, got ${value}`);
    if (check.exclusiveMin !== undefined && value <= check.exclusiveMin) throw this.fail(field, `must be greater than ${check.exclusiveMin}, got ${value}`);
    return value;
  }

  requiredObject(field: string): Record<string, unknown> {
    const value = this.config[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.fail(field, 'must be an object');
    return value as Record<string, unknown>;
  }
}
