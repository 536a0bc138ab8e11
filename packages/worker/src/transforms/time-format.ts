// Time formatting for timestamp/timezone/insertField: Go reference-time layouts ("2006-01-02
// 15:04:05", upstream's format language) compiled once into a list of parts, plus Go's named
// layouts (RFC3339 …) and the numeric epoch formats (Unix, UnixMilli …), which upstream failed to
// translate (§9.4 item 33).
import type { JsonValue } from '../message.js';

/** A point in time broken down in some zone. */
export interface WallTime {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0..999_999_999 */
  readonly nanos: number;
  /** 0 = Sunday */
  readonly weekday: number;
  /** 1..366 */
  readonly yearDay: number;
  /** East of UTC. */
  readonly offsetSeconds: number;
  /** Abbreviation for the `MST` element; empty → a numeric offset is printed instead. */
  readonly zone: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Go's predefined layouts, by the names users write in `format`. */
export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  /** Not a Go name: ISO 8601 with milliseconds, as JavaScript's toISOString writes it. */
  ISO8601: '2006-01-02T15:04:05.000Z07:00',
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

/** Epoch formats: numbers, except UnixNano, which exceeds 2^53 and is written as a digit string. */
export const EPOCH_FORMATS = ['Unix', 'UnixMilli', 'UnixMicro', 'UnixNano'] as const;
export type EpochFormat = (typeof EPOCH_FORMATS)[number];

type Part = string | ((t: WallTime) => string);

function pad(value: number, width: number, fill = '0'): string {
  return String(value).padStart(width, fill);
}

function hour12(t: WallTime): number {
  const h = t.hour % 12;
  return h === 0 ? 12 : h;
}

function numericZone(t: WallTime, withColons: boolean, withSeconds: boolean, hoursOnly: boolean, zForUtc: boolean): string {
  if (zForUtc && t.offsetSeconds === 0) return 'Z';
  const sign = t.offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(t.offsetSeconds);
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor(abs / 60) % 60, 2);
  const ss = pad(abs % 60, 2);
  const sep = withColons ? ':' : '';
  if (hoursOnly) return `${sign}${hh}`;
  return withSeconds ? `${sign}${hh}${sep}${mm}${sep}${ss}` : `${sign}${hh}${sep}${mm}`;
}

function zoneName(t: WallTime): string {
  if (t.zone !== '') return t.zone;
  // Go prints an unnamed zone as -07 or -0700.
  return t.offsetSeconds % 3600 === 0 ? numericZone(t, false, false, true, false) : numericZone(t, false, false, false, false);
}

function fraction(separator: string, digits: number, trim: boolean): (t: WallTime) => string {
  return (t) => {
    let text = pad(t.nanos, 9).slice(0, digits);
    if (trim) {
      text = text.replace(/0+$/, '');
      if (text === '') return '';
    }
    return separator + text;
  };
}

/** Element tokens in the order they must be tried at one position (longest first). */
const ELEMENTS: ReadonlyArray<readonly [string, (t: WallTime) => string]> = [
  ['January', (t) => MONTHS[t.month - 1] as string],
  ['Monday', (t) => WEEKDAYS[t.weekday] as string],
  ['MST', zoneName],
  ['2006', (t) => pad(t.year, 4)],
  ['-07:00:00', (t) => numericZone(t, true, true, false, false)],
  ['-070000', (t) => numericZone(t, false, true, false, false)],
  ['-07:00', (t) => numericZone(t, true, false, false, false)],
  ['-0700', (t) => numericZone(t, false, false, false, false)],
  ['-07', (t) => numericZone(t, false, false, true, false)],
  ['Z07:00:00', (t) => numericZone(t, true, true, false, true)],
  ['Z070000', (t) => numericZone(t, false, true, false, true)],
  ['Z07:00', (t) => numericZone(t, true, false, false, true)],
  ['Z0700', (t) => numericZone(t, false, false, false, true)],
  ['Z07', (t) => numericZone(t, false, false, true, true)],
  ['002', (t) => pad(t.yearDay, 3)],
  ['__2', (t) => pad(t.yearDay, 3, ' ')],
  ['_2', (t) => pad(t.day, 2, ' ')],
  ['01', (t) => pad(t.month, 2)],
  ['02', (t) => pad(t.day, 2)],
  ['03', (t) => pad(hour12(t), 2)],
  ['04', (t) => pad(t.minute, 2)],
  ['05', (t) => pad(t.second, 2)],
  ['06', (t) => pad(t.year % 100, 2)],
  ['15', (t) => pad(t.hour, 2)],
  ['PM', (t) => (t.hour >= 12 ? 'PM' : 'AM')],
  ['pm', (t) => (t.hour >= 12 ? 'pm' : 'am')],
  ['1', (t) => String(t.month)],
  ['2', (t) => String(t.day)],
  ['3', (t) => String(hour12(t))],
  ['4', (t) => String(t.minute)],
  ['5', (t) => String(t.second)],
];

const SHORT_NAMES: ReadonlyArray<readonly [string, (t: WallTime) => string]> = [
  ['Jan', (t) => (MONTHS[t.month - 1] as string).slice(0, 3)],
  ['Mon', (t) => (WEEKDAYS[t.weekday] as string).slice(0, 3)],
];

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Matches one layout element at `i`; returns its length and renderer, or undefined for a literal character. */
function elementAt(layout: string, i: number): { length: number; render: (t: WallTime) => string } | undefined {
  const ch = layout[i];
  // Fractional seconds: `.000` fixed width, `.999` trailing zeros trimmed; `,` works as well.
  if ((ch === '.' || ch === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
    const digit = layout[i + 1];
    let j = i + 1;
    while (layout[j] === digit) j += 1;
    if (!isDigit(layout[j])) return { length: j - i, render: fraction(ch, Math.min(j - i - 1, 9), digit === '9') };
  }
  // `_2006` is a literal underscore followed by the year.
  if (ch === '_' && layout.startsWith('_2006', i)) return undefined;
  for (const [token, render] of ELEMENTS) {
    if (layout.startsWith(token, i)) return { length: token.length, render };
  }
  // `Jan`/`Mon` count only when not followed by a lower-case letter (`Janet` is literal text).
  for (const [token, render] of SHORT_NAMES) {
    const after = layout[i + token.length];
    if (layout.startsWith(token, i) && !(after !== undefined && after >= 'a' && after <= 'z')) {
      return { length: token.length, render };
    }
  }
  return undefined;
}

export type TimeFormatter = (t: WallTime) => string;

/**
 * Compiles a Go layout (or one of Go's layout names) into a formatter. Returns undefined when the
 * text contains no time element at all — almost certainly a typo, since it would print itself.
 */
export function compileLayout(format: string): TimeFormatter | undefined {
  const layout = NAMED_LAYOUTS[format] ?? format;
  const parts: Part[] = [];
  let literal = '';
  let elements = 0;
  for (let i = 0; i < layout.length; ) {
    const element = elementAt(layout, i);
    if (element === undefined) {
      literal += layout[i] as string;
      i += 1;
      continue;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(element.render);
    elements += 1;
    i += element.length;
  }
  if (literal !== '') parts.push(literal);
  if (elements === 0) return undefined;
  return (t) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(t);
    return out;
  };
}

const DAY_MS = 86_400_000;

/** Breaks an instant down in UTC. */
export function utcWallTime(epochMs: number, nanos = (((epochMs % 1000) + 1000) % 1000) * 1_000_000): WallTime {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  return {
    year,
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    nanos,
    weekday: date.getUTCDay(),
    yearDay: Math.floor((Date.UTC(year, date.getUTCMonth(), date.getUTCDate()) - Date.UTC(year, 0, 1)) / DAY_MS) + 1,
    offsetSeconds: 0,
    zone: 'UTC',
  };
}

/** Renders "now" in one of the configured formats: a Go layout/name, or an epoch format. */
export type TimestampRenderer = (now: Date) => JsonValue;

export function compileTimestampFormat(format: string): TimestampRenderer | undefined {
  switch (format) {
    case 'Unix':
      return (now) => Math.floor(now.getTime() / 1000);
    case 'UnixMilli':
      return (now) => now.getTime();
    case 'UnixMicro':
      return (now) => now.getTime() * 1000;
    case 'UnixNano':
      return (now) => (now.getTime() === 0 ? '0' : `${now.getTime()}000000`);
    default: {
      const formatter = compileLayout(format);
      return formatter && ((now) => formatter(utcWallTime(now.getTime())));
    }
  }
}
