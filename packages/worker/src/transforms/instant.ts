// Instants with nanosecond precision, time zones (IANA through Intl, or fixed ±HH:MM offsets) and the
// input parsing rules of the timezone transform: RFC 3339 strings, epoch numbers and numeric strings.
import type { WallTime } from './time-format.js';

/** Seconds since the epoch plus nanoseconds (JS Date alone would lose everything below a millisecond). */
export interface Instant {
  readonly seconds: number;
  readonly nanos: number;
}

export interface Zone {
  readonly name: string;
  /** Offset east of UTC, in seconds, at the given instant. */
  offsetAt(epochSeconds: number): number;
}

const FIXED_OFFSET = /^([+-])(\d{2}):(\d{2})$/;

function fixedZone(name: string, offsetSeconds: number): Zone {
  return { name, offsetAt: () => offsetSeconds };
}

/** Resolves `UTC`, an offset `±HH:MM` (up to ±14:59, as validateSpec allows) or an IANA name; undefined when unknown. */
export function resolveZone(text: string): Zone | undefined {
  if (text === 'UTC') return fixedZone('UTC', 0);
  const fixed = FIXED_OFFSET.exec(text);
  if (fixed) {
    const hours = Number(fixed[2]);
    const minutes = Number(fixed[3]);
    if (hours > 14 || minutes > 59) return undefined;
    return fixedZone(text, (fixed[1] === '-' ? -1 : 1) * (hours * 3600 + minutes * 60));
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: text,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  return {
    name: text,
    offsetAt(epochSeconds) {
      const fields: Record<string, number> = {};
      let bc = false;
      for (const part of format.formatToParts(epochSeconds * 1000)) {
        if (part.type === 'era') bc = part.value.startsWith('B');
        else if (part.type !== 'literal') fields[part.type] = Number(part.value);
      }
      const year = bc ? 1 - (fields['year'] ?? 0) : (fields['year'] ?? 0);
      const field = (name: string, fallback: number): number => fields[name] ?? fallback;
      const local = utcSeconds(year, field('month', 1), field('day', 1), field('hour', 0), field('minute', 0), field('second', 0));
      return local - epochSeconds;
    },
  };
}

/** Seconds since the epoch of a wall-clock time read as UTC (years 0..99 are not shifted to 19xx). */
function utcSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return Math.floor(date.getTime() / 1000);
}

/** The instant at which `zone` shows the given wall-clock seconds (DST gaps resolve forward). */
function fromLocal(localSeconds: number, zone: Zone): number {
  const guess = localSeconds - zone.offsetAt(localSeconds);
  return localSeconds - zone.offsetAt(guess);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})?$/;
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (MONTH_DAYS[month - 1] as number);
}

/** Epoch numbers: milliseconds when |n| ≥ 1e12, otherwise seconds (fractions kept to the nanosecond). */
export function instantFromEpoch(n: number): Instant | undefined {
  if (!Number.isFinite(n)) return undefined;
  const millis = Math.abs(n) >= 1e12;
  const seconds = Math.floor(millis ? n / 1000 : n);
  if (!Number.isSafeInteger(seconds)) return undefined;
  // Whole nanoseconds; the subtraction leaves binary noise below that.
  const nanos = Math.round(millis ? (n - seconds * 1000) * 1e6 : (n - seconds) * 1e9);
  return nanos >= 1e9 ? { seconds: seconds + 1, nanos: 0 } : { seconds, nanos: Math.max(0, nanos) };
}

/** Parses an RFC 3339 timestamp; one without an offset is read in `source`. */
export function parseTimestampText(text: string, source: Zone): Instant | undefined {
  const trimmed = text.trim();
  const m = RFC3339.exec(trimmed);
  if (!m) return NUMERIC.test(trimmed) ? instantFromEpoch(Number(trimmed)) : undefined;
  const group = (n: number): number => Number(m[n]);
  const [year, month, day, hour, minute, second] = [group(1), group(2), group(3), group(4), group(5), group(6)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  const local = utcSeconds(year, month, day, hour, minute, second);
  const zone = m[8];
  if (zone === undefined) return { seconds: fromLocal(local, source), nanos };
  if (zone === 'Z' || zone === 'z') return { seconds: local, nanos };
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  return { seconds: local - offset, nanos };
}

/** Breaks an instant down in a zone, ready for a Go layout. */
export function wallTimeIn(instant: Instant, zone: Zone): WallTime {
  const offsetSeconds = zone.offsetAt(instant.seconds);
  const date = new Date((instant.seconds + offsetSeconds) * 1000);
  const year = date.getUTCFullYear();
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(year, 0, 1);
  return {
    year,
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    nanos: instant.nanos,
    weekday: date.getUTCDay(),
    yearDay: Math.floor((date.getTime() - startOfYear.getTime()) / 86_400_000) + 1,
    offsetSeconds,
    zone: '',
  };
}
