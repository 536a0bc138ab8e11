// The ClickHouse server version, read once at open, decides which modern features are used:
// query parameters (19.11+) and insert deduplication tokens (22.2+). 18.16 has neither.

export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly text: string;
}

/** Parses `SELECT version()` output such as `18.16.1` or `24.3.2.23`. */
export function parseServerVersion(text: string): ServerVersion {
  const match = /^(\d+)\.(\d+)/.exec(text.trim());
  if (match === null) throw new Error(`"${text}" is not a ClickHouse version`);
  return { major: Number(match[1]), minor: Number(match[2]), text: text.trim() };
}

function atLeast(version: ServerVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** `{name:Type}` placeholders with `param_name` values. */
export function supportsQueryParameters(version: ServerVersion): boolean {
  return atLeast(version, 19, 11);
}

/** The `insert_deduplication_token` setting. */
export function supportsInsertDeduplicationToken(version: ServerVersion): boolean {
  return atLeast(version, 22, 2);
}
