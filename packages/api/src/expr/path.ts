// The single path dialect used by every transformation (decisions.md §4).
//
//   $.user.name        optional `$` / `$.` root prefix (`$` alone is the whole document)
//   items[0].sku       `[n]` is an array index …
//   items.0.sku        … and so is a dot segment made only of digits (canonical form: `0`, `12`; not `01`)
//   a\.b               backslash escapes any character: key "a.b"; `\\` is a backslash; `\0` is the key "0"
//   ['a b'], ["x.y"]   bracket-quoted keys, with backslash escapes inside the quotes
//
// An index applied to an object reads the key of the same digits (`a.0` on {"a":{"0":1}} is 1), as in
// gjson; a key never indexes an array. Wildcards, queries, filters, modifiers, pipes, recursive descent
// and empty segments are rejected with an ExpressionError. A path is data, never evaluated as code.
import { parsePathSpan } from './path-syntax.js';
import { MISSING, child, resolve } from './resolve.js';

/** A key (string) or an array index (number). */
export type PathSegment = string | number;

export interface CompiledPath {
  /** The text as written in the spec. */
  readonly text: string;
  /** Empty for the root (`$`). */
  readonly segments: readonly PathSegment[];
}

/** Parses a path once; throws ExpressionError on bad syntax. */
export function parsePath(text: string): CompiledPath {
  return { text, segments: parsePathSpan(text, 0, text.length) };
}

type Container = Record<string, unknown> | unknown[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the value at `path`. A JSON `null` is found (value null); a missing key is not. */
export function getPath(root: unknown, path: CompiledPath): { found: true; value: unknown } | { found: false } {
  const value = resolve(root, path.segments);
  return value === MISSING ? { found: false } : { found: true, value };
}

/** Defines an own property, so that a key such as `__proto__` never touches the prototype. */
function putKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Writes `value` into `container` at one segment; false when the segment does not fit the container. */
function writeStep(container: Container, segment: PathSegment, value: unknown): boolean {
  if (Array.isArray(container)) {
    if (typeof segment !== 'number' || segment > container.length) return false;
    container[segment] = value;
    return true;
  }
  putKey(container, typeof segment === 'number' ? String(segment) : segment, value);
  return true;
}

/**
 * Sets `value` at `path`, mutating `root` in place. Missing (or `null`) intermediate values become new
 * objects — in an object container under the key, in an array only at index == length (append).
 * An array index may replace an element or append at index == length. Returns false, changing
 * nothing, when the path cannot be written: an empty path, a non-container root, a key on an array,
 * an index past the end, or a step through a string, number or boolean.
 */
export function setPath(root: unknown, path: CompiledPath, value: unknown): boolean {
  const { segments } = path;
  if (segments.length === 0 || typeof root !== 'object' || root === null) return false;
  // Check the whole walk first, so a failure leaves the document untouched.
  let current = root as Container;
  let depth = 0;
  for (; depth < segments.length - 1; depth += 1) {
    const next = child(current, segments[depth] as PathSegment);
    if (next === MISSING || next === null) break;
    if (typeof next !== 'object') return false;
    current = next as Container;
  }
  if (depth === segments.length - 1) return writeStep(current, segments[depth] as PathSegment, value);
  // segments[depth] is missing (or null) in `current`: build the rest as nested objects.
  let built: unknown = value;
  for (let k = segments.length - 1; k > depth; k -= 1) {
    const holder: Record<string, unknown> = {};
    const segment = segments[k] as PathSegment;
    putKey(holder, typeof segment === 'number' ? String(segment) : segment, built);
    built = holder;
  }
  return writeStep(current, segments[depth] as PathSegment, built);
}

/** Removes the value at `path` (array elements are spliced out). Returns whether anything was removed. */
export function deletePath(root: unknown, path: CompiledPath): boolean {
  const { segments } = path;
  if (segments.length === 0) return false;
  const current = resolve(root, segments.slice(0, -1));
  const last = segments[segments.length - 1] as PathSegment;
  if (Array.isArray(current)) {
    if (typeof last !== 'number' || last >= current.length) return false;
    current.splice(last, 1);
    return true;
  }
  if (!isRecord(current)) return false;
  const key = typeof last === 'number' ? String(last) : last;
  if (!Object.hasOwn(current, key)) return false;
  return delete current[key];
}

const NEEDS_ESCAPE = new Set(['.', '[', ']', '\\', '*', '?', '#', '@', '|', '(', ')', '=', '!', '<', '>', '&', "'", '"', ' ', '\t', '\n', '\r']);

function formatKey(key: string, first: boolean): string {
  let out = '';
  for (const ch of key) out += NEEDS_ESCAPE.has(ch) ? `\\${ch}` : ch;
  // A key made only of digits would read back as an index; a leading `$` as the root prefix.
  if (/^[0-9]+$/.test(key) || (first && key.startsWith('$'))) out = `\\${out}`;
  return out;
}

/** Canonical text for segments: keys joined with dots (special characters escaped), indexes as `[n]`, `$` for none. */
export function formatPath(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return '$';
  let out = '';
  segments.forEach((segment, i) => {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment === '') out += "['']";
    else out += (i === 0 ? '' : '.') + formatKey(segment, i === 0);
  });
  return out;
}
