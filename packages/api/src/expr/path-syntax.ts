// The scanner behind parsePath. It parses a span of a larger text so that the condition parser can
// reuse it and still report positions relative to the whole condition.
import { ExpressionError, describeChar } from './errors.js';
import type { PathSegment } from './path.js';

/** Characters with a meaning in other path dialects (or in conditions): never part of a bare key. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  '*': 'wildcard "*" is not supported',
  '?': '"?" (wildcard or filter) is not supported',
  '#': '"#" (array length or query) is not supported',
  '@': '"@" (modifier or current node) is not supported',
  '|': '"|" (pipe) is not supported',
};

/** Characters that end a path inside a condition (outside brackets). */
const CONDITION_DELIMITERS = new Set(['(', ')', '=', '!', '<', '>', '&', '|']);

/** Punctuation that must be escaped (`\(`) or bracket-quoted to appear in a key. */
const RESERVED = new Set([']', '(', ')', '=', '!', '<', '>', '&', "'", '"']);

const CANONICAL_INDEX = /^(?:0|[1-9][0-9]*)$/;

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/**
 * Parses `source[start, end)` as a path. `$` alone (or an empty span after the prefix) is the root:
 * no segments. Errors carry `source` as the expression and offsets into it.
 */
export function parsePathSpan(source: string, start: number, end: number): PathSegment[] {
  const fail = (reason: string, at: number): never => {
    throw new ExpressionError(reason, source, at);
  };
  const segments: PathSegment[] = [];
  let i = start;
  if (i >= end) fail('path is empty', i);

  if (source[i] === '$') {
    if (i + 1 === end) return segments;
    const next = source[i + 1];
    if (next === '.') {
      i += 2;
      if (i === end) fail('expected a key after "$."', i);
      if (source[i] === '.') fail('".." (recursive descent) is not supported', i - 1);
      if (source[i] === '[') fail('unexpected "[" after "$." (write $[0] or $.a[0])', i);
    } else if (next === '[') {
      i += 1;
    } else {
      fail('"$" must be followed by "." or "[" (escape a key that starts with "$" as \\$)', i + 1);
    }
  } else if (source[i] === '.') {
    fail('path must not start with "."', i);
  }

  for (;;) {
    i = source[i] === '[' ? readBracket(source, i, end, segments, fail) : readKey(source, i, end, segments, fail);
    if (i === end) return segments;
    const ch = source[i] as string;
    if (ch === '[') continue;
    if (ch !== '.') fail(unexpected(ch), i);
    i += 1;
    if (i === end) fail('path must not end with "."', i - 1);
    if (source[i] === '.') fail('".." (recursive descent) is not supported', i - 1);
    if (source[i] === '[') fail('unexpected "[" after "." (write a[0], not a.[0])', i);
  }
}

function unexpected(ch: string): string {
  const unsupported = UNSUPPORTED[ch];
  if (unsupported !== undefined) return unsupported;
  if (isWhitespace(ch) || (RESERVED.has(ch) && ch !== ']')) {
    return `unexpected ${describeChar(ch)} (escape it with "\\" or use a quoted key like ['a b'])`;
  }
  return `unexpected ${describeChar(ch)}`;
}

/** Reads a dot key starting at `i`; returns the offset just after it. */
function readKey(
  source: string,
  start: number,
  end: number,
  out: PathSegment[],
  fail: (reason: string, at: number) => never,
): number {
  let key = '';
  let escaped = false;
  let i = start;
  while (i < end) {
    const ch = source[i] as string;
    if (ch === '.' || ch === '[') break;
    if (ch === '\\') {
      if (i + 1 === end) fail('"\\" at the end of the path escapes nothing', i);
      key += source[i + 1] as string;
      escaped = true;
      i += 2;
      continue;
    }
    if (UNSUPPORTED[ch] !== undefined || RESERVED.has(ch) || isWhitespace(ch)) fail(unexpected(ch), i);
    key += ch;
    i += 1;
  }
  if (i === start) fail('empty key', i);
  if (!escaped && CANONICAL_INDEX.test(key)) {
    const index = Number(key);
    if (!Number.isSafeInteger(index)) fail(`array index ${key} is too large`, start);
    out.push(index);
  } else {
    out.push(key);
  }
  return i;
}

/** Reads `[n]`, `['key']` or `["key"]` starting at the `[`; returns the offset after `]`. */
function readBracket(
  source: string,
  open: number,
  end: number,
  out: PathSegment[],
  fail: (reason: string, at: number) => never,
): number {
  let i = open + 1;
  if (i >= end) fail('unterminated "["', open);
  const first = source[i] as string;

  if (first === "'" || first === '"') {
    let key = '';
    i += 1;
    for (;;) {
      if (i >= end) fail('unterminated quoted key', open + 1);
      const ch = source[i] as string;
      if (ch === first) break;
      if (ch === '\\') {
        if (i + 1 >= end) fail('unterminated quoted key', open + 1);
        key += source[i + 1] as string;
        i += 2;
        continue;
      }
      key += ch;
      i += 1;
    }
    i += 1;
    if (i >= end) fail('unterminated "["', open);
    if (source[i] !== ']') fail(`expected "]" after the quoted key, found ${describeChar(source[i] as string)}`, i);
    out.push(key);
    return i + 1;
  }

  if (first >= '0' && first <= '9') {
    let j = i;
    while (j < end && (source[j] as string) >= '0' && (source[j] as string) <= '9') j += 1;
    const digits = source.slice(i, j);
    if (j >= end) fail('unterminated "["', open);
    if (source[j] === ':') fail('array slices are not supported', j);
    if (source[j] !== ']') fail(`expected "]" after the index, found ${describeChar(source[j] as string)}`, j);
    const index = Number(digits);
    if (!Number.isSafeInteger(index)) fail(`array index ${digits} is too large`, i);
    out.push(index);
    return j + 1;
  }

  if (first === ']') fail('empty brackets', open);
  if (first === '-') fail('negative array indexes are not supported', i);
  if (first === '?' || first === '(') fail('filter expressions like [?(...)] are not supported', i);
  const unsupported = UNSUPPORTED[first];
  if (unsupported !== undefined) fail(unsupported, i);
  return fail('expected an array index or a quoted key after "["', i);
}

/**
 * Finds where a path that starts at `start` ends inside a condition: at whitespace or an operator
 * character outside brackets. Escapes and quoted bracket keys are skipped over; an unterminated
 * bracket runs to the end (the path parser then reports it).
 */
export function findPathEnd(source: string, start: number): number {
  let i = start;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === '[') {
      i = skipBracket(source, i);
      continue;
    }
    if (isWhitespace(ch) || CONDITION_DELIMITERS.has(ch)) return i;
    i += 1;
  }
  return Math.min(i, source.length);
}

function skipBracket(source: string, open: number): number {
  let i = open + 1;
  const quote = source[i];
  if (quote === "'" || quote === '"') {
    i += 1;
    while (i < source.length && source[i] !== quote) i += source[i] === '\\' ? 2 : 1;
    i += 1;
  }
  while (i < source.length && source[i] !== ']') {
    if (isWhitespace(source[i] as string)) return i;
    i += 1;
  }
  return Math.min(i + 1, source.length);
}
