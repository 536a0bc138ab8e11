// ajv's errors → SpecIssues a person can act on: Kubernetes-style field paths
// (`spec.transformations[2].config.fields`) and messages that say what is allowed.
import type { ErrorObject } from 'ajv';
import type { SpecIssue } from './issues.js';
import type { JsonSchema } from './json-schema.js';
import { isPlainObject } from './json-util.js';

/** JSON pointer (`/sink/config/batchSize`) → field path below `basePath`, shaped by the data. */
export function pointerToPath(pointer: string, data: unknown, basePath: string): string {
  let path = basePath;
  let node: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      path = `${path}[${segment}]`;
      node = node[Number(segment)];
      continue;
    }
    path = appendKey(path, segment);
    node = isPlainObject(node) ? node[segment] : undefined;
  }
  return path;
}

/** Map keys that are not plain identifiers (paths, label keys) are written `[key]`. */
function appendKey(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
}

/** `{ required: ['x'] }` branches of an anyOf: the fields of which at least one must be set. */
function alternativeFields(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const fields: string[] = [];
  for (const branch of branches) {
    if (!isPlainObject(branch)) return undefined;
    const required = branch['required'];
    const keys = Object.keys(branch);
    if (!Array.isArray(required) || keys.some((k) => k !== 'required')) return undefined;
    fields.push(...required.map(String));
  }
  return fields;
}

function messageFor(error: ErrorObject, value: unknown): string | undefined {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as JsonSchema;
  switch (error.keyword) {
    case 'if':
      return undefined; // the failing `then` branch reports the real problem
    case 'required':
      return 'is required';
    case 'additionalProperties': {
      const allowed = Object.keys(parent.properties ?? {});
      const field = String(params['additionalProperty']);
      return `unknown field "${field}"${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => String(v)).join(', ');
      return error.instancePath.endsWith('/type')
        ? `unknown type ${describeValue(value)} (allowed: ${allowed})`
        : `must be one of: ${allowed} (got ${describeValue(value)})`;
    }
    case 'const':
      return `must be ${describeValue(params['allowedValue'])}`;
    case 'type': {
      const wanted = String(params['type']).split(',').map(article).join(' or ');
      return `must be ${wanted} (got ${article(jsonTypeOf(value))})`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params['comparison'])} ${String(params['limit'])}`;
    case 'minLength': {
      const limit = Number(params['limit']);
      return limit === 1 ? 'must not be empty' : `must be at least ${plural(limit, 'character')} long`;
    }
    case 'maxLength':
      return `must be at most ${plural(Number(params['limit']), 'character')} long`;
    case 'minItems': {
      const limit = Number(params['limit']);
      return limit === 1 ? 'must not be empty' : `must have at least ${plural(limit, 'item')}`;
    }
    case 'maxItems':
      return `must have at most ${plural(Number(params['limit']), 'item')}`;
    case 'minProperties': {
      const limit = Number(params['limit']);
      return limit === 1 ? 'must not be empty' : `must have at least ${plural(limit, 'entry')}`;
    }
    case 'pattern':
      return `must match the pattern ${String(params['pattern'])} (got ${describeValue(value)})`;
    case 'format':
      return `must be a valid ${String(params['format'])}`;
    case 'uniqueItems':
      return `must not repeat items (items ${String(params['j'])} and ${String(params['i'])} are equal)`;
    case 'anyOf': {
      const fields = alternativeFields(error.schema);
      return fields ? `set at least one of: ${fields.join(', ')}` : 'does not match any allowed form';
    }
    default:
      return error.message ?? `fails ${error.keyword}`;
  }
}

/** Where the finding belongs: `required`/`additionalProperties` name the field itself. */
function issuePath(error: ErrorObject, data: unknown, basePath: string): string {
  const base = pointerToPath(error.instancePath, data, basePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return appendKey(base, String(params['missingProperty']));
  if (error.keyword === 'additionalProperties') return appendKey(base, String(params['additionalProperty']));
  return base;
}

function valueAt(pointer: string, data: unknown): unknown {
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isPlainObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

/**
 * Converts ajv errors (compiled with allErrors and verbose) to issues, dropping the noise: `if`
 * wrappers and the per-branch errors of an anyOf that is reported as one message.
 */
export function ajvErrorsToIssues(errors: readonly ErrorObject[], data: unknown, basePath: string): SpecIssue[] {
  const summarised = errors.filter((e) => e.keyword === 'anyOf' && alternativeFields(e.schema) !== undefined).map((e) => `${e.schemaPath}/`);
  const issues: SpecIssue[] = [];
  for (const error of errors) {
    if (summarised.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const message = messageFor(error, valueAt(error.instancePath, data));
    if (message === undefined) continue;
    issues.push({ path: issuePath(error, data, basePath), message });
  }
  return issues;
}
