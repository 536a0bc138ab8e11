// Key-case conversion shared by snakeCase and camelCase: the per-key algorithms (upstream §2.8/§2.9),
// a bounded memo (payload keys repeat message after message), and an iterative deep rewrite that
// cannot overflow the stack however deeply a payload nests.
import { deriveMessage, isJsonObject, isRaw } from '../message.js';
import type { JsonObject, JsonValue, Message } from '../message.js';
import type { BuiltTransform } from '../plugin.js';
import { isObject, putKey } from './json.js';

const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const DIGIT = /\p{Nd}/u;

function isUpper(ch: string | undefined): boolean {
  return ch !== undefined && UPPER.test(ch);
}
function isLowerOrDigit(ch: string | undefined): boolean {
  return ch !== undefined && (LOWER.test(ch) || DIGIT.test(ch));
}

/**
 * snake_case, code point by code point: an upper-case letter is lower-cased, and preceded by `_`
 * when it is not the first character and either follows a lower-case letter or digit, or follows an
 * upper-case letter and precedes a lower-case one (`XMLHttpRequest` → `xml_http_request`).
 */
export function toSnakeCase(key: string): string {
  // Fast path: nothing upper-case in plain ASCII means nothing to do.
  if (!/[^a-z0-9_]/.test(key)) return key;
  const chars = Array.from(key);
  let out = '';
  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i] as string;
    if (!isUpper(ch)) {
      out += ch;
      continue;
    }
    const prev = chars[i - 1];
    const next = chars[i + 1];
    if (i > 0 && (isLowerOrDigit(prev) || (isUpper(prev) && next !== undefined && LOWER.test(next)))) out += '_';
    out += ch.toLowerCase();
  }
  return out;
}

export type CamelStyle = 'pascal' | 'camel';

function upperFirst(part: string): string {
  const first = part.codePointAt(0) as number;
  const width = first > 0xffff ? 2 : 1;
  return part.slice(0, width).toUpperCase() + part.slice(width);
}
function lowerFirst(part: string): string {
  const first = part.codePointAt(0) as number;
  const width = first > 0xffff ? 2 : 1;
  return part.slice(0, width).toLowerCase() + part.slice(width);
}

/**
 * Splits on `_`, drops empty parts, upper-cases the first character of each part and keeps the rest
 * as is (`first_name` → `FirstName`). Style `camel` lower-cases the first character of the result
 * (`first_name` → `firstName`). A key with no letters left (`_`, `__`) is kept unchanged.
 */
export function toCamelCase(key: string, style: CamelStyle): string {
  const parts = key.split('_').filter((p) => p !== '');
  if (parts.length === 0) return key;
  let out = '';
  for (const part of parts) out += upperFirst(part);
  return style === 'camel' ? lowerFirst(out) : out;
}

/** Memoises a key conversion; bounded so a stream of unique keys cannot grow memory without limit. */
export function memoize(convert: (key: string) => string, limit = 10_000): (key: string) => string {
  const cache = new Map<string, string>();
  return (key) => {
    let converted = cache.get(key);
    if (converted === undefined) {
      converted = convert(key);
      if (cache.size >= limit) cache.clear();
      cache.set(key, converted);
    }
    return converted;
  };
}

/**
 * Copies `source`'s entries into `target` under converted keys. Collisions are deterministic: a key
 * that is already in target form wins over keys converted into it; among converted keys the first
 * in document order wins. Returns true when any key changed.
 */
function renameInto(source: JsonObject, target: JsonObject, convert: (key: string) => string, visit: (v: JsonValue) => JsonValue): boolean {
  let renamed = false;
  for (const key of Object.keys(source)) {
    const converted = convert(key);
    if (converted === key) {
      putKey(target, key, visit(source[key] as JsonValue));
      continue;
    }
    renamed = true;
    // Skip when an earlier key took the name, or when a key already in target form owns it.
    const taken = Object.hasOwn(target, converted) || (Object.hasOwn(source, converted) && convert(converted) === converted);
    if (!taken) putKey(target, converted, visit(source[key] as JsonValue));
  }
  return renamed;
}

/** Renames the keys of a root object only (arrays and scalars untouched). Returns the input when nothing changes. */
export function renameShallow(root: JsonObject, convert: (key: string) => string): JsonObject {
  let same = true;
  for (const key of Object.keys(root)) {
    if (convert(key) !== key) {
      same = false;
      break;
    }
  }
  if (same) return root;
  const out: JsonObject = {};
  renameInto(root, out, convert, (v) => v);
  return out;
}

/**
 * Renames keys in every object reachable from `root`, through arrays too. Iterative (explicit
 * work list) so nesting depth is bounded by memory, not by the call stack. Builds a new tree of
 * containers; scalars are shared.
 */
export function renameDeep(root: JsonValue, convert: (key: string) => string): JsonValue {
  if (root === null || typeof root !== 'object') return root;
  const work: Array<{ source: JsonObject | JsonValue[]; target: JsonObject | JsonValue[] }> = [];
  const enqueue = (value: JsonValue): JsonValue => {
    if (value === null || typeof value !== 'object') return value;
    const target: JsonObject | JsonValue[] = Array.isArray(value) ? new Array<JsonValue>(value.length) : {};
    work.push({ source: value, target });
    return target;
  };
  const top = enqueue(root);
  while (work.length > 0) {
    const { source, target } = work.pop() as { source: JsonObject | JsonValue[]; target: JsonObject | JsonValue[] };
    if (Array.isArray(source)) {
      const list = target as JsonValue[];
      for (let i = 0; i < source.length; i += 1) list[i] = enqueue(source[i] as JsonValue);
    } else if (isObject(source)) {
      renameInto(source, target as JsonObject, convert, enqueue);
    }
  }
  return top;
}

/** Shared by snakeCase and camelCase: applies a key conversion shallowly or deeply. */
export function keyCaseTransform(type: string, deep: boolean, convert: (key: string) => string): BuiltTransform {
  return {
    type,
    apply(msg: Message): Message[] {
      const root = msg.value;
      if (isRaw(root)) return [msg];
      if (!deep) {
        if (!isJsonObject(root)) return [msg];
        const renamed = renameShallow(root, convert);
        return renamed === root ? [msg] : [deriveMessage(msg, renamed)];
      }
      if (root === null || typeof root !== 'object') return [msg];
      return [deriveMessage(msg, renameDeep(root, convert))];
    },
  };
}
