// Column types for autoCreateTable, inferred from the values of the first batch (upstream §1.5.2
// docs: "types inferred"). Rules, per column over every non-null value:
//   only booleans → boolean; only integers → bigint (numeric beyond the int8 range); numbers with a
//   fraction → double precision (JSON numbers are doubles, so nothing is lost); only strings →
//   timestamptz when every one is an RFC 3339 date-time with a zone ("2024-05-01T10:00:00Z",
//   "…+02:00"), else text; objects or arrays → jsonb; a mix of kinds → jsonb (it holds any JSON
//   value as it came); no value at all → text.
// A later value that does not fit (a string in a bigint column) is rejected as a record error.
import type { JsonValue } from '../../message.js';

export const INT8_MIN = -(2 ** 63);
export const INT8_MAX = 2 ** 63 - 1;

const RFC3339_WITH_ZONE = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)$/;

export function isTimestampWithZone(text: string): boolean {
  return RFC3339_WITH_ZONE.test(text) && !Number.isNaN(Date.parse(text));
}

export function inferSqlType(values: Iterable<JsonValue | undefined>): string {
  let booleans = 0;
  let integers = 0;
  let fractions = 0;
  let beyondInt8 = false;
  let strings = 0;
  let timestamps = 0;
  let structured = 0;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'boolean') booleans++;
    else if (typeof value === 'number') {
      if (Number.isInteger(value)) {
        integers++;
        if (value < INT8_MIN || value > INT8_MAX) beyondInt8 = true;
      } else {
        fractions++;
      }
    } else if (typeof value === 'string') {
      strings++;
      if (isTimestampWithZone(value)) timestamps++;
    } else {
      structured++;
    }
  }
  const numbers = integers + fractions;
  const kinds = [booleans, numbers, strings, structured].filter((count) => count > 0).length;
  if (kinds === 0) return 'text';
  if (kinds > 1 || structured > 0) return 'jsonb';
  if (booleans > 0) return 'boolean';
  if (numbers > 0) return fractions > 0 ? 'double precision' : beyondInt8 ? 'numeric' : 'bigint';
  return timestamps === strings ? 'timestamp with time zone' : 'text';
}

/** Columns in first-appearance order with their inferred types. */
export function inferColumns(rows: Iterable<Readonly<Record<string, JsonValue>>>): Array<{ name: string; type: string }> {
  const values = new Map<string, JsonValue[]>();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      let list = values.get(name);
      if (list === undefined) {
        list = [];
        values.set(name, list);
      }
      list.push(value);
    }
  }
  return [...values].map(([name, list]) => ({ name, type: inferSqlType(list) }));
}
