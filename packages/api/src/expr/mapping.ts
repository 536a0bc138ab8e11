// `left:right` pairs used by replaceField (`old.path:new.path`) and headersToPayload
// (`Header-Name:target.path`). The separator is the first ":" that is not escaped (`\:`) and not inside
// a bracket-quoted key, so paths keep the full dialect on both sides.
import { ExpressionError } from './errors.js';
import type { CompiledPath } from './path.js';
import { parsePathSpan } from './path-syntax.js';

export interface RenameMapping {
  readonly from: CompiledPath;
  readonly to: CompiledPath;
}

export interface HeaderMapping {
  /** The header name exactly as written (lookup case is the transform's business). */
  readonly header: string;
  readonly path: CompiledPath;
}

function findSeparator(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '\\') {
      i += 1;
    } else if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if ((ch === "'" || ch === '"') && text[i - 1] === '[') {
      quote = ch;
    } else if (ch === ':') {
      return i;
    }
  }
  return -1;
}

function spanPath(text: string, start: number, end: number): CompiledPath {
  return { text: text.slice(start, end), segments: parsePathSpan(text, start, end) };
}

/** Parses `old.path:new.path`; both sides must name a field. Throws ExpressionError. */
export function parseRename(text: string): RenameMapping {
  const colon = findSeparator(text);
  if (colon < 0) throw new ExpressionError('expected "old.path:new.path"', text, 0);
  const from = spanPath(text, 0, colon);
  const to = spanPath(text, colon + 1, text.length);
  if (from.segments.length === 0) throw new ExpressionError('the source path must name a field, not "$"', text, 0);
  if (to.segments.length === 0) throw new ExpressionError('the target path must name a field, not "$"', text, colon + 1);
  return { from, to };
}

/** Parses `Header-Name:target.path`. Throws ExpressionError. */
export function parseHeaderMapping(text: string): HeaderMapping {
  const colon = text.indexOf(':');
  if (colon < 0) throw new ExpressionError('expected "Header-Name:target.path"', text, 0);
  const header = text.slice(0, colon);
  if (header.trim() === '') throw new ExpressionError('the header name is empty', text, 0);
  const space = header.search(/\s/);
  if (space >= 0) throw new ExpressionError('a header name cannot contain whitespace', text, space);
  const path = spanPath(text, colon + 1, text.length);
  if (path.segments.length === 0) throw new ExpressionError('the target path must name a field, not "$"', text, colon + 1);
  return { header, path };
}
