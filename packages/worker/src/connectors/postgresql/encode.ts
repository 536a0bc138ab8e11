// A JSON value as PostgreSQL input text for one column (shared by COPY and the UNNEST upsert, so
// both write the same thing). json/jsonb columns get the value serialised as JSON (a string stays a
// JSON string); array columns get an array literal; a number written to a date/timestamp column is
// epoch milliseconds; a string written to a bytea column is base64 (what the source produces) or
// `\x` hex; objects and arrays written to any other column are their JSON text. Whether the text
// fits the column is for the server to say (a record error then).
import type { JsonValue } from '../../message.js';
import type { ColumnInfo } from './table.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function encodeValue(value: JsonValue | undefined, column: ColumnInfo): string | null {
  if (value === null || value === undefined) return null;
  if (column.isJson) return JSON.stringify(value);
  switch (typeof value) {
    case 'string':
      return column.isBytea ? byteaText(value) : value;
    case 'number':
      return column.isDateTime ? epochMillisText(value) : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return Array.isArray(value) && column.isArray ? arrayLiteral(value) : JSON.stringify(value);
  }
}

function byteaText(text: string): string {
  if (text.startsWith('\\x')) return text;
  const bytes = BASE64.test(text) ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return `\\x${bytes.toString('hex')}`;
}

function epochMillisText(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** `{…}` array literal: elements double-quoted with `\` and `"` escaped, NULL for null, nested arrays as sub-arrays. */
export function arrayLiteral(values: readonly JsonValue[]): string {
  const parts = values.map((element) => {
    if (element === null) return 'NULL';
    if (Array.isArray(element)) return arrayLiteral(element);
    const text = typeof element === 'object' ? JSON.stringify(element) : String(element);
    return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}
