// SQL text for Trino: quoted identifiers and typed literals. A value is rendered for the type of
// the column it goes into, or refused with the reason: nothing is coerced into something else
// (no bad number becoming 0, no string becoming false, no silent rounding or truncation —
// upstream §9 item 31). Values never reach SQL unquoted (§9 item 14).
import type { JsonValue } from '../../message.js';

export type Rendered = { readonly sql: string } | { readonly error: string };

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `"catalog"."schema"."table"`. */
export function qualifiedName(catalog: string, schema: string, table: string): string {
  return `${quoteIdent(catalog)}.${quoteIdent(schema)}.${quoteIdent(table)}`;
}

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  int: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};
const REAL_MAX = 3.4028234663852886e38;
const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME_TEXT = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?$/;

/** The SQL literal of `value` for a column of Trino type `type` (as information_schema spells it). */
export function renderValue(value: JsonValue, type: string): Rendered {
  if (value === null) return { sql: 'NULL' };
  const lower = type.toLowerCase().trim();
  const base = /^[a-z ]+/.exec(lower)?.[0].trim() ?? lower;
  const range = INTEGER_RANGES[base];
  if (range !== undefined) return renderInteger(value, base, range);
  if (base === 'boolean') return typeof value === 'boolean' ? { sql: value ? 'true' : 'false' } : refuse(value, type);
  if (base === 'double' || base === 'real') return renderFloat(value, base);
  if (base === 'decimal') return renderDecimal(value, lower);
  if (base === 'varchar' || base === 'char') return renderText(value, lower);
  if (base === 'date') return renderDate(value);
  if (base.startsWith('timestamp')) return renderTimestamp(value, lower);
  if (base.startsWith('time')) return renderTime(value, lower);
  if (base === 'json') return { sql: `json_parse(${quoteString(JSON.stringify(value))})` };
  if (base === 'uuid') return typeof value === 'string' && UUID_TEXT.test(value) ? { sql: `UUID ${quoteString(value)}` } : refuse(value, type, 'not a UUID');
  if (base === 'varbinary') {
    return typeof value === 'string' && BASE64_TEXT.test(value) ? { sql: `from_base64(${quoteString(value)})` } : refuse(value, type, 'expected base64 text');
  }
  if (base === 'array' || base === 'map' || base === 'row') {
    if (typeof value !== 'object') return refuse(value, type, `expected a JSON ${base === 'array' ? 'array' : 'object'}`);
    return { sql: `CAST(json_parse(${quoteString(JSON.stringify(value))}) AS ${type})` };
  }
  // Other types (ipaddress, interval …): Trino parses the text itself and fails the row if it cannot.
  return typeof value === 'string' ? { sql: `CAST(${quoteString(value)} AS ${type})` } : refuse(value, type);
}

/** A cursor value (as Trino returned it) as a literal of its column type, for the poll filter. */
export function cursorLiteral(value: JsonValue, type: string): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `CAST(${quoteString(text)} AS ${type})`;
}

function refuse(value: JsonValue, type: string, why?: string): Rendered {
  const shown = JSON.stringify(value);
  const short = shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
  return { error: `value ${short} cannot be stored in a ${type} column${why === undefined ? '' : ` (${why})`}` };
}

function renderInteger(value: JsonValue, type: string, [min, max]: readonly [bigint, bigint]): Rendered {
  let digits: string;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return refuse(value, type, 'not a whole number');
    if (!Number.isSafeInteger(value)) return refuse(value, type, 'beyond 2^53 a JSON number has lost precision; send it as a string');
    digits = String(value);
  } else if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
    digits = value.trim().replace(/^\+/, '');
  } else {
    return refuse(value, type);
  }
  const n = BigInt(digits);
  if (n < min || n > max) return refuse(value, type, `outside ${min}..${max}`);
  return { sql: n.toString() };
}

function renderFloat(value: JsonValue, type: string): Rendered {
  if (typeof value === 'string') {
    const special = { NaN: 'nan()', Infinity: 'infinity()', '-Infinity': '-infinity()' }[value];
    if (special !== undefined) return { sql: special };
    if (!NUMERIC_TEXT.test(value.trim())) return refuse(value, type);
    return renderFloat(Number(value.trim()), type);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return refuse(value, type);
  if (type === 'real' && Math.abs(value) > REAL_MAX) return refuse(value, type, 'outside the range of real');
  const text = String(value);
  return { sql: /e/i.test(text) ? text : `${text}E0` };
}

function renderDecimal(value: JsonValue, type: string): Rendered {
  const match = /^decimal\((\d+)(?:,\s*(\d+))?\)/.exec(type);
  const precision = match?.[1] === undefined ? 38 : Number(match[1]);
  const scale = match?.[2] === undefined ? 0 : Number(match[2]);
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string' && NUMERIC_TEXT.test(value.trim())) text = value.trim();
  else return refuse(value, type);
  const plain = plainDecimal(text);
  const [intPart = '', fracPart = ''] = plain.replace(/^[+-]/, '').split('.');
  const intDigits = intPart.replace(/^0+/, '');
  const fracDigits = fracPart.replace(/0+$/, '');
  if (fracDigits.length > scale) return refuse(value, type, `more than ${scale} decimal places would be rounded`);
  if (intDigits.length > precision - scale) return refuse(value, type, 'too many digits');
  return { sql: `DECIMAL ${quoteString(plain)}` };
}

/** Decimal text without an exponent: `1.5e3` → `1500`, `2e-3` → `0.002`. */
export function plainDecimal(text: string): string {
  const match = /^([+-]?)(\d*)\.?(\d*)e([+-]?\d+)$/i.exec(text);
  if (match === null) return text.startsWith('+') ? text.slice(1) : text;
  const [, sign = '', whole = '', frac = '', exp = '0'] = match;
  const digits = whole + frac;
  const point = whole.length + Number(exp);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign === '-' ? '-' : ''}${out}`;
}

function renderText(value: JsonValue, type: string): Rendered {
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const length = /\((\d+)\)/.exec(type)?.[1];
  if (length !== undefined) {
    const chars = [...text].length;
    if (chars > Number(length)) return refuse(value, type, `${chars} characters would be truncated to ${length}`);
  }
  return { sql: quoteString(text) };
}

function renderDate(value: JsonValue): Rendered {
  if (typeof value !== 'string') return refuse(value, 'date');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (m === null || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return refuse(value, 'date', 'expected YYYY-MM-DD');
  return { sql: `DATE ${quoteString(value.trim())}` };
}

function renderTime(value: JsonValue, type: string): Rendered {
  if (typeof value !== 'string') return refuse(value, type);
  const m = TIME_TEXT.exec(value.trim());
  if (m === null || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return refuse(value, type, 'expected HH:MM:SS[.fraction]');
  const fraction = m[4] ?? '';
  const precisionError = checkFraction(fraction, precisionOf(type, 3), value, type);
  if (precisionError !== undefined) return precisionError;
  return { sql: `CAST(${quoteString(value.trim())} AS ${type})` };
}

/**
 * Timestamps from ISO-8601 text (`T` or space, optional fraction and offset) or epoch numbers
 * (seconds; milliseconds above 1e10, the upstream rule). Without time zone the value is stored in
 * UTC; with time zone the offset is kept (UTC when the text has none).
 */
function renderTimestamp(value: JsonValue, type: string): Rendered {
  const withZone = type.includes('with time zone');
  const precision = precisionOf(type, 3);
  let parts: DateTimeParts;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const micros = Math.round(Math.abs(value) > 1e10 ? value * 1000 : value * 1e6);
    parts = fromEpochMicros(micros);
  } else if (typeof value === 'string') {
    const parsed = parseDateTime(value.trim());
    if (parsed === undefined) return refuse(value, type, 'expected an ISO-8601 date-time');
    parts = parsed;
  } else {
    return refuse(value, type);
  }
  const precisionError = checkFraction(parts.fraction, precision, value, type);
  if (precisionError !== undefined) return precisionError;
  if (!withZone && parts.offsetMinutes !== undefined && parts.offsetMinutes !== 0) parts = shiftToUtc(parts);
  const zone = withZone ? ` ${parts.offsetText ?? 'UTC'}` : '';
  const fraction = parts.fraction === '' ? '' : `.${parts.fraction}`;
  return { sql: `CAST(${quoteString(`${parts.date} ${parts.time}${fraction}${zone}`)} AS ${type})` };
}

interface DateTimeParts {
  /** YYYY-MM-DD */
  readonly date: string;
  /** HH:MM:SS */
  readonly time: string;
  /** Fraction digits without the point, possibly empty. */
  readonly fraction: string;
  readonly offsetMinutes?: number;
  /** As Trino reads it: `UTC` or `+02:00`. */
  readonly offsetText?: string;
}

function parseDateTime(text: string): DateTimeParts | undefined {
  const m = DATE_TIME_TEXT.exec(text);
  if (m === null) return undefined;
  const [, y = '', mo = '', d = '', h = '00', mi = '00', s = '00', fraction = '', zone] = m;
  if (!validDate(Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const base = { date: `${y}-${mo}-${d}`, time: `${h}:${mi}:${s}`, fraction };
  if (zone === undefined) return base;
  if (/^(z|utc)$/i.test(zone)) return { ...base, offsetMinutes: 0, offsetText: 'UTC' };
  const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (zm === null) return undefined;
  const minutes = (Number(zm[2]) * 60 + Number(zm[3] ?? 0)) * (zm[1] === '-' ? -1 : 1);
  return { ...base, offsetMinutes: minutes, offsetText: `${zm[1]}${zm[2]}:${zm[3] ?? '00'}` };
}

function shiftToUtc(parts: DateTimeParts): DateTimeParts {
  const ms = Date.parse(`${parts.date}T${parts.time}Z`) - (parts.offsetMinutes ?? 0) * 60_000;
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19), fraction: parts.fraction, offsetMinutes: 0, offsetText: 'UTC' };
}

function fromEpochMicros(micros: number): DateTimeParts {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString();
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return { date: iso.slice(0, 10), time: iso.slice(11, 19), fraction, offsetMinutes: 0, offsetText: 'UTC' };
}

function validDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function precisionOf(type: string, fallback: number): number {
  const p = /^(?:timestamp|time)\((\d+)\)/.exec(type)?.[1];
  return p === undefined ? fallback : Number(p);
}

function checkFraction(fraction: string, precision: number, value: JsonValue, type: string): Rendered | undefined {
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > precision) return refuse(value, type, `fractional seconds beyond precision ${precision} would be rounded`);
  return undefined;
}
