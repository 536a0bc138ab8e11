// Go-style durations as the CRD accepts them (`30s`, `1m30s`, `500ms`, `1.5h`), in milliseconds.
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Throws an Error naming `field` when `text` is not a duration. */
export function parseDurationMs(text: string, field: string): number {
  if (!/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(text)) {
    throw new Error(`${field}: "${text}" is not a duration such as 30s, 1m or 500ms`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  return Math.round(total);
}
