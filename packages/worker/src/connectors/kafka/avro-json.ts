// Between avsc values and the JSON payloads that travel through a flow. avsc decodes unions
// natively (no `{"array": [...]}` wrappers to strip, unlike upstream's goavro path), records to
// class instances, and `bytes`/`fixed` to Buffers. In JSON, bytes follow Avro's own JSON encoding:
// a string whose characters are the byte values (ISO-8859-1), so the conversion is lossless both ways.
import avsc from 'avsc';
import type { Type } from 'avsc';
import { DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../message.js';

/** The parts of avsc's type classes this file walks (its typings declare most of them `any`). */
interface AvroTypeNode {
  readonly typeName: string;
  readonly branchName?: string;
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly type: AvroTypeNode }>;
  readonly itemsType?: AvroTypeNode;
  readonly valuesType?: AvroTypeNode;
  readonly types?: readonly AvroTypeNode[];
  isValid(value: unknown): boolean;
}

function node(type: Type): AvroTypeNode {
  return type as unknown as AvroTypeNode;
}

/** Compiles Avro schema JSON text; throws a DataflowError (code `code`) naming `what` on a bad schema. */
export function compileSchema(text: string, what: string, code: DataflowError['code'] = ErrorCode.config): Type {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DataflowError(code, `${what} is not JSON: ${errorMessage(error)}`, false, { cause: error });
  }
  try {
    return avsc.Type.forSchema(parsed as Parameters<typeof avsc.Type.forSchema>[0]);
  } catch (error) {
    throw new DataflowError(code, `${what} is not a valid Avro schema: ${errorMessage(error)}`, false, { cause: error });
  }
}

/** A decoded avsc value as JSON: records become plain objects, bytes latin1 strings. */
export function avroToJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON has no NaN or Infinity (Avro floats can hold them).
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'object':
      break;
    default:
      return null;
  }
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(avroToJson);
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = avroToJson(item);
  return out;
}

/** True when the schema holds bytes or fixed somewhere, i.e. JSON values need converting before encoding. */
export function hasBinaryFields(type: Type): boolean {
  const seen = new Set<AvroTypeNode>();
  const visit = (current: AvroTypeNode | undefined): boolean => {
    if (current === undefined || seen.has(current)) return false;
    seen.add(current);
    if (current.typeName === 'bytes' || current.typeName === 'fixed') return true;
    if (current.fields?.some((field) => visit(field.type)) === true) return true;
    if (current.types?.some(visit) === true) return true;
    return visit(current.itemsType) || visit(current.valuesType);
  };
  return visit(node(type));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Turns latin1 strings into Buffers where the schema expects bytes or fixed; everything else is kept. */
export function jsonToAvro(type: Type, value: unknown): unknown {
  return prepare(node(type), value);
}

function prepare(type: AvroTypeNode, value: unknown): unknown {
  switch (type.typeName) {
    case 'bytes':
    case 'fixed':
      return typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
    case 'record':
    case 'error': {
      if (!isPlainObject(value) || type.fields === undefined) return value;
      const out: Record<string, unknown> = { ...value };
      for (const field of type.fields) {
        if (Object.hasOwn(value, field.name)) out[field.name] = prepare(field.type, value[field.name]);
      }
      return out;
    }
    case 'array':
      return Array.isArray(value) && type.itemsType !== undefined ? value.map((item) => prepare(type.itemsType as AvroTypeNode, item)) : value;
    case 'map': {
      if (!isPlainObject(value) || type.valuesType === undefined) return value;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = prepare(type.valuesType, item);
      return out;
    }
    case 'union:unwrapped':
      for (const branch of type.types ?? []) {
        const candidate = prepare(branch, value);
        if (branch.isValid(candidate)) return candidate;
      }
      return value;
    case 'union:wrapped': {
      if (!isPlainObject(value)) return value;
      const entries = Object.entries(value);
      if (entries.length !== 1) return value;
      const [name, inner] = entries[0] as [string, unknown];
      const branch = type.types?.find((candidate) => candidate.branchName === name);
      return branch === undefined ? value : { [name]: prepare(branch, inner) };
    }
    default:
      return value;
  }
}

/** Why `value` does not match `type`: the first offending path and value, for a record error. */
export function describeMismatch(type: Type, value: unknown): string {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], offending: unknown, expected: Type) => {
      if (problems.length >= 3) return;
      const at = path.length === 0 ? 'the value' : `field ${path.join('.')}`;
      problems.push(`${at} ${describeValue(offending)} does not match ${typeLabel(expected)}`);
    },
  });
  return problems.length === 0 ? 'the value does not match the schema' : problems.join('; ');
}

function typeLabel(type: Type): string {
  const name = type.name ?? type.branchName;
  return name === undefined ? `type ${type.typeName}` : `type ${type.typeName} ${name}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (Buffer.isBuffer(value)) return `(${value.length} bytes)`;
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
