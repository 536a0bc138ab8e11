// Secret masking for log output. The logger redacts secret-named keys by path; this module holds
// the key lists and the masking of credentials embedded in connection strings, URLs and DSNs,
// which also covers error messages that quote a connection string.

/** Keys whose whole value is a secret, at any nesting level the logger redacts. */
export const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'privateKey',
  'authorization',
  'Authorization',
  'cookie',
] as const;

/** Objects every field of which is treated as secret (SASL carries user, password and mechanism). */
export const SECRET_OBJECTS = ['sasl'] as const;

/** Keys holding a URL or DSN: the value stays readable, only its credentials are masked. */
export const URL_KEYS = ['connectionString', 'url', 'uri', 'dsn', 'serverURL', 'endpoint'] as const;

export const REDACTED = '[REDACTED]';
const MASK = '***';

// `scheme://user:password@host` — the password may itself contain `@`, so match up to the last `@`
// before the host part (no `/` or whitespace in between).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]*):([^\s/]*)@/gi;
// `?password=…`, `&sslpassword=…`, and libpq-style `password=… ` / `password='…'`.
const SECRET_PARAM =
  /(^|[?&;\s])((?:ssl)?(?:password|passwd|pwd|pass|secret|client_secret|token|access_token|api_key|apikey)=)('(?:[^'\\]|\\.)*'|[^&;\s]*)/gi;

/**
 * Masks credentials inside a connection string, URL or free text quoting one:
 * `postgres://app:s3cret@db:5432/x?sslpassword=k` → `postgres://app:***@db:5432/x?sslpassword=***`.
 * The user name stays visible (it is what one needs to debug an authentication failure).
 */
export function redactUrl(text: string): string {
  return text.replace(URL_USERINFO, `$1$2:${MASK}@`).replace(SECRET_PARAM, `$1$2${MASK}`);
}

/** Redaction paths for pino: each key at the top level and up to `depth` levels below. */
export function redactionPaths(depth = 4): string[] {
  const prefixes = Array.from({ length: depth }, (_, level) => '*.'.repeat(level));
  const paths: string[] = [];
  for (const prefix of prefixes) {
    for (const key of [...SECRET_KEYS, ...URL_KEYS]) paths.push(`${prefix}${key}`);
    for (const key of SECRET_OBJECTS) paths.push(`${prefix}${key}.*`);
  }
  return paths;
}

const urlKeys = new Set<string>(URL_KEYS);

/** The value a redacted path is replaced with: URL-like values keep their shape, the rest goes. */
export function censor(value: unknown, path: readonly (string | symbol)[]): unknown {
  const key = path[path.length - 1];
  if (typeof key === 'string' && urlKeys.has(key) && (typeof value === 'string' || value instanceof URL)) {
    return redactUrl(String(value));
  }
  return REDACTED;
}
