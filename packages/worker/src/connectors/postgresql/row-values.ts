// How the source turns PostgreSQL values into JSON. Chosen so that nothing is lost and every value
// can be sent back as a query parameter (the read cursor relies on that):
//   timestamptz → ISO string in UTC with all six fraction digits ("2024-05-01T10:00:00.123456Z"),
//   timestamp   → ISO string without zone, date → "YYYY-MM-DD", time/interval → text (ISO 8601),
//   int2/int4/float → number (NaN/±Infinity → string), int8 → number when it is a safe integer,
//   else string, numeric/money → string (exact), json/jsonb → parsed, bytea → base64 string,
//   bool → boolean, arrays → arrays of the same conversions, anything else → its text form.
// The session runs with TimeZone UTC and DateStyle ISO (connection.ts), which this parsing assumes.
import { types } from 'pg';
import type { CustomTypesConfig } from 'pg';
import type { JsonValue } from '../../message.js';

type Parser = (text: string) => unknown;

const OID = {
  bytea: 17,
  int8: 20,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  byteaArray: 1001,
  int8Array: 1016,
  float4Array: 1021,
  float8Array: 1022,
  textArray: 1009,
  timestampArray: 1115,
  dateArray: 1182,
  timestamptzArray: 1185,
  intervalArray: 1187,
  numericArray: 1231,
} as const;

export function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

export function parseFloatValue(text: string): number | string {
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

export function parseBytea(text: string): string {
  // bytea_output = hex: "\x0a0b…"
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex').toString('base64');
}

/** "2024-05-01 10:00:00.123+00" → "2024-05-01T10:00:00.123Z" (infinity and BC dates stay as text). */
export function parseTimestamptz(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:\+00(?::00)?)$/.exec(text);
  return match === null ? text : `${match[1] as string}T${match[2] as string}Z`;
}

export function parseTimestamp(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)$/.exec(text);
  return match === null ? text : `${match[1] as string}T${match[2] as string}`;
}

const identity = (text: string): string => text;
// pg-types' TypeId union lists only some OIDs; the parser exists for text[] (1009).
const textArray = (types.getTypeParser as (oid: number) => Parser)(OID.textArray);

function arrayOf(element: Parser): Parser {
  const mapNested = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(mapNested) : typeof value === 'string' ? element(value) : value;
  return (text) => mapNested(textArray(text));
}

const OVERRIDES = new Map<number, Parser>([
  [OID.bytea, parseBytea],
  [OID.int8, parseInt8],
  [OID.float4, parseFloatValue],
  [OID.float8, parseFloatValue],
  [OID.date, identity],
  [OID.timestamp, parseTimestamp],
  [OID.timestamptz, parseTimestamptz],
  [OID.interval, identity],
  [OID.numeric, identity],
  [OID.byteaArray, arrayOf(parseBytea)],
  [OID.int8Array, arrayOf(parseInt8)],
  [OID.float4Array, arrayOf(parseFloatValue)],
  [OID.float8Array, arrayOf(parseFloatValue)],
  [OID.numericArray, arrayOf(identity)],
  [OID.dateArray, arrayOf(identity)],
  [OID.timestampArray, arrayOf(parseTimestamp)],
  [OID.timestamptzArray, arrayOf(parseTimestamptz)],
  [OID.intervalArray, arrayOf(identity)],
]);

/** Text-format parsers for the source's connection (other connections keep node-postgres defaults). */
export const JSON_ROW_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      const parser = OVERRIDES.get(oid);
      if (parser !== undefined) return parser;
    }
    return (types.getTypeParser as (oid: number, format?: 'text' | 'binary') => unknown)(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};

/**
 * A parsed column value as JSON. The parsers above already produce JSON for the common types; this
 * covers the rest (geometric objects, values of extension types) without ever throwing.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'object':
      if (Array.isArray(value)) return value.map(toJsonValue);
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (Buffer.isBuffer(value)) return value.toString('base64');
      if (typeof (value as { toPostgres?: unknown }).toPostgres === 'function') return String((value as { toPostgres: () => unknown }).toPostgres());
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
    default:
      return null;
  }
}
