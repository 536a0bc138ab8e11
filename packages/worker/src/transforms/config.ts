// Reads one transformation's `config` defensively at build time. Every problem becomes a ConfigError
// that names the exact field (`spec.transformations[2].config.fields[1]`), so a bad spec is fixed
// from the message alone. Paths and conditions are compiled here, once, never per message.
import { ExpressionError, parseCondition, parseHeaderMapping, parsePath, parseRename } from '@dataflow/api';
import type { CompiledCondition, CompiledPath, HeaderMapping, RenameMapping } from '@dataflow/api';
import { ConfigError } from '../errors.js';
import type { TransformBuildContext } from '../plugin.js';

/** A build context that may carry a clock; production uses the wall clock, tests inject one. */
export interface ClockedBuildContext extends TransformBuildContext {
  readonly now?: () => Date;
}

export function clockOf(ctx: TransformBuildContext): () => Date {
  return (ctx as ClockedBuildContext).now ?? (() => new Date());
}

export function transformPath(index: number): string {
  return `spec.transformations[${index}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function expressionProblem(error: unknown): string {
  if (error instanceof ExpressionError) return error.message;
  throw error;
}

export class ConfigReader {
  /** `spec.transformations[i].config` */
  readonly base: string;
  private readonly config: Record<string, unknown>;

  constructor(config: Record<string, unknown>, ctx: TransformBuildContext) {
    this.config = config;
    this.base = `${transformPath(ctx.index)}.config`;
  }

  at(field: string): string {
    return `${this.base}.${field}`;
  }

  /** A ConfigError naming `field` (relative to config; '' = the config itself). Callers throw it. */
  error(field: string, message: string): ConfigError {
    return new ConfigError(`${field === '' ? this.base : this.at(field)}: ${message}`);
  }

  /** Rejects keys the transform does not know, so a typo (`maskchar`) is not silently ignored. */
  allowOnly(keys: readonly string[]): void {
    for (const key of Object.keys(this.config)) {
      if (!keys.includes(key)) {
        throw this.error(key, `unknown field (allowed: ${keys.length === 0 ? 'none' : keys.join(', ')})`);
      }
    }
  }

  has(field: string): boolean {
    return Object.hasOwn(this.config, field) && this.config[field] !== undefined;
  }

  raw(field: string): unknown {
    return Object.hasOwn(this.config, field) ? this.config[field] : undefined;
  }

  requiredString(field: string): string {
    const value = this.raw(field);
    if (value === undefined) throw this.error(field, 'is required');
    if (typeof value !== 'string' || value === '') throw this.error(field, `must be a non-empty string, got ${describe(value)}`);
    return value;
  }

  optionalString(field: string, fallback: string): string {
    const value = this.raw(field);
    if (value === undefined) return fallback;
    if (typeof value !== 'string') throw this.error(field, `must be a string, got ${describe(value)}`);
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.raw(field);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw this.error(field, `must be true or false, got ${describe(value)}`);
    return value;
  }

  oneOf<const T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(field);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw this.error(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  /** A list of non-empty strings; `required` also demands at least one entry. */
  stringList(field: string, required: boolean): string[] {
    const value = this.raw(field);
    if (value === undefined) {
      if (required) throw this.error(field, 'is required (a non-empty list)');
      return [];
    }
    if (!Array.isArray(value)) throw this.error(field, `must be a list of strings, got ${describe(value)}`);
    if (required && value.length === 0) throw this.error(field, 'must list at least one entry');
    return value.map((item: unknown, i) => {
      if (typeof item !== 'string' || item === '') throw this.error(`${field}[${i}]`, `must be a non-empty string, got ${describe(item)}`);
      return item;
    });
  }

  /** A non-empty map (`path → something`). */
  requiredMap(field: string): Record<string, unknown> {
    const value = this.raw(field);
    if (value === undefined) throw this.error(field, 'is required (a non-empty map)');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.error(field, `must be a map, got ${describe(value)}`);
    }
    if (Object.keys(value).length === 0) throw this.error(field, 'must have at least one entry');
    return value as Record<string, unknown>;
  }

  /** Compiles a path written at `fieldPath` (relative to config); the root path `$` is refused. */
  compilePath(text: string, field: string): CompiledPath {
    let path: CompiledPath;
    try {
      path = parsePath(text);
    } catch (error) {
      throw this.error(field, `invalid path: ${expressionProblem(error)}`);
    }
    if (path.segments.length === 0) throw this.error(field, `path ${JSON.stringify(text)} names the whole message; name a field`);
    return path;
  }

  path(field: string): CompiledPath {
    return this.compilePath(this.requiredString(field), field);
  }

  pathList(field: string): CompiledPath[] {
    return this.stringList(field, true).map((text, i) => this.compilePath(text, `${field}[${i}]`));
  }

  /** `old.path:new.path` (the shared mapping syntax; `\:` escapes a colon in a key). */
  compileRename(text: string, field: string): RenameMapping {
    try {
      return parseRename(text);
    } catch (error) {
      throw this.error(field, `invalid rename: ${expressionProblem(error)}`);
    }
  }

  /** `Header-Name:target.path`. */
  compileHeaderMapping(text: string, field: string): HeaderMapping {
    try {
      return parseHeaderMapping(text);
    } catch (error) {
      throw this.error(field, `invalid mapping: ${expressionProblem(error)}`);
    }
  }

  compileCondition(text: string, field: string): CompiledCondition {
    try {
      return parseCondition(text);
    } catch (error) {
      throw this.error(field, `invalid condition: ${expressionProblem(error)}`);
    }
  }
}
