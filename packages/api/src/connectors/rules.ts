// Primitives for the cross-field connector rules a JSON schema cannot express. A ConfigCheck reads
// one (possibly unvalidated) config object and appends issues with full field paths; type errors
// are left to the schema, so every reader here ignores values of the wrong type.
import { joinPath } from '../issues.js';
import type { SpecIssue } from '../issues.js';
import { SECRET_REF_SUFFIX } from '../refs.js';

export type ConfigObject = Record<string, unknown>;

export function isConfigObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Set means present and not empty: `''`, `[]` and `null` count as unset. */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !(Array.isArray(value) && value.length === 0);
}

export class ConfigCheck {
  readonly config: ConfigObject;
  readonly path: string;
  readonly issues: SpecIssue[];

  constructor(config: ConfigObject, path: string, issues: SpecIssue[]) {
    this.config = config;
    this.path = path;
    this.issues = issues;
  }

  at(field: string): string {
    return joinPath(this.path, field);
  }

  /** Reports at `field`, or at this object itself when `field` is undefined. */
  report(field: string | undefined, message: string): void {
    this.issues.push({ path: field === undefined ? this.path : this.at(field), message });
  }

  has(field: string): boolean {
    return isSet(this.config[field]);
  }

  /** The literal or its Secret reference is set. */
  hasValue(field: string): boolean {
    return this.has(field) || this.has(field + SECRET_REF_SUFFIX);
  }

  string(field: string): string | undefined {
    const value = this.config[field];
    return typeof value === 'string' ? value : undefined;
  }

  number(field: string): number | undefined {
    const value = this.config[field];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }

  isTrue(field: string): boolean {
    return this.config[field] === true;
  }

  nested(field: string): ConfigCheck | undefined {
    const value = this.config[field];
    return isConfigObject(value) ? new ConfigCheck(value, this.at(field), this.issues) : undefined;
  }

  /** At least one of `field` and `fieldSecretRef` (both at once is reported by checkSecretRefs). */
  requireValue(field: string): void {
    if (!this.hasValue(field)) this.report(field, `set either ${field} or ${field}${SECRET_REF_SUFFIX}`);
  }

  /** At most one of the given fields. */
  atMostOne(fields: readonly string[]): void {
    const set = fields.filter((f) => this.has(f));
    if (set.length > 1) this.report(set[1], `set only one of ${fields.join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Value rules shared by several connectors.

/** A literal URL field must parse and use one of `schemes` (e.g. `['http', 'https']`). */
export function checkUrl(c: ConfigCheck, field: string, schemes: readonly string[], example: string): void {
  const value = c.string(field);
  if (value === undefined || value === '') return;
  let protocol: string;
  try {
    protocol = new URL(value).protocol.replace(/:$/, '');
  } catch {
    c.report(field, `must be a URL such as ${example}`);
    return;
  }
  if (!schemes.includes(protocol)) {
    c.report(field, `must use ${schemes.map((s) => `${s}://`).join(' or ')}, e.g. ${example} (got ${protocol}://)`);
  }
}

// SQL identifiers are quoted by the worker, so only characters that never belong in a sane name
// (NUL and other control characters, quotes, semicolons) are refused here.
function hasBadIdentifierChar(text: string): boolean {
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x20 || ch === '"' || ch === '`' || ch === ';') return true;
  }
  return false;
}

function identifierProblem(part: string): string | undefined {
  if (part.trim() === '') return 'is empty';
  if (part !== part.trim()) return 'has leading or trailing spaces';
  if (hasBadIdentifierChar(part)) return 'contains a control character, a quote or a semicolon';
  return undefined;
}

/**
 * A table name of at most `maxParts` dot-separated identifiers (`table` or `schema.table`).
 * `hint` names the allowed form in the message.
 */
export function checkTableName(c: ConfigCheck, field: string, maxParts: number, hint: string): void {
  const value = c.string(field);
  if (value === undefined || value === '') return;
  const parts = value.split('.');
  if (parts.length > maxParts) {
    c.report(field, `must be ${hint} (got ${parts.length} dot-separated parts)`);
    return;
  }
  for (const part of parts) {
    const problem = identifierProblem(part);
    if (problem !== undefined) {
      c.report(field, `must be ${hint}: "${part}" ${problem}`);
      return;
    }
  }
}

/** A single column name (an empty string is left to the schema's minLength). */
export function checkColumnName(c: ConfigCheck, field: string): void {
  const value = c.string(field);
  if (value === undefined || value === '') return;
  const problem = identifierProblem(value);
  if (problem !== undefined) c.report(field, `must be a column name: it ${problem}`);
}

/** A comma-separated list of column names, e.g. a composite conflict key `tenant_id, id`. */
export function checkColumnList(c: ConfigCheck, field: string): void {
  const value = c.string(field);
  if (value === undefined || value === '') return;
  for (const raw of value.split(',')) {
    const problem = identifierProblem(raw.trim());
    if (problem !== undefined) {
      c.report(field, `must be a column name or a comma-separated list of them: "${raw.trim()}" ${problem}`);
      return;
    }
  }
}

/** Batch sinks must be able to flush: a count limit, a timer, or both. */
export function checkBatchFlushable(c: ConfigCheck): void {
  if (c.number('batchSize') === 0 && c.number('batchFlushIntervalSeconds') === 0) {
    c.report('batchFlushIntervalSeconds', 'set batchFlushIntervalSeconds above 0 or batchSize above 0: with both at 0 the sink never flushes');
  }
}
