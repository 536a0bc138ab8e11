// API failures as small typed errors. client-node's ApiException message embeds the response
// headers and the whole body (house-style.md §3 item 11), so it never crosses this edge: callers get
// a kind, the HTTP code, the server's reason and short message, and what was being done.

export const KUBE_ERROR_KINDS = [
  'NotFound',
  'Conflict',
  'Gone',
  'Forbidden',
  'Unauthorized',
  'Invalid',
  'AlreadyExists',
  'Unavailable',
  'Other',
] as const;
export type KubeErrorKind = (typeof KUBE_ERROR_KINDS)[number];

export class KubeApiError extends Error {
  readonly kind: KubeErrorKind;
  /** HTTP status code; 0 when the request never got an answer (connection refused, timeout). */
  readonly code: number;
  /** The Status reason the API server gave (e.g. `NotFound`, `Invalid`), when it gave one. */
  readonly reason: string | undefined;

  constructor(kind: KubeErrorKind, code: number, message: string, reason?: string) {
    super(message);
    this.name = 'KubeApiError';
    this.kind = kind;
    this.code = code;
    this.reason = reason;
  }

  /** The fields worth logging: never the request, the headers or the body. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, code: this.code, reason: this.reason, message: this.message };
  }
}

function kindOfCode(code: number, reason: string | undefined): KubeErrorKind {
  switch (code) {
    case 404:
      return 'NotFound';
    case 409:
      return reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict';
    case 410:
      return 'Gone';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 400:
    case 422:
      return 'Invalid';
    case 0:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return 'Unavailable';
    default:
      return 'Other';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The API server's Status object, whether the client parsed the body or left it a string. */
function statusBody(body: unknown): Record<string, unknown> | undefined {
  if (isRecord(body)) return body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Longest server message we keep; Invalid causes can list many fields. */
const MAX_MESSAGE = 512;

function shorten(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * Maps anything a client-node call threw to a KubeApiError. `doing` says what failed, e.g.
 * "apply Deployment ns/df-x". Handles ApiException (`code` + `body`), watch errors (`statusCode`)
 * and network errors (code 0, kind Unavailable).
 */
export function toKubeError(error: unknown, doing: string): KubeApiError {
  if (error instanceof KubeApiError) return error;
  if (!isRecord(error)) return new KubeApiError('Other', 0, `${doing}: ${String(error)}`);

  const code =
    typeof error['code'] === 'number' ? error['code'] : typeof error['statusCode'] === 'number' ? error['statusCode'] : 0;
  const status = statusBody(error['body']);
  const reason = typeof status?.['reason'] === 'string' && status['reason'] !== '' ? status['reason'] : undefined;
  const serverMessage = typeof status?.['message'] === 'string' ? status['message'] : undefined;

  if (code === 0) {
    // Not an HTTP answer: name the failure without dumping the error object.
    const name = typeof error['name'] === 'string' ? error['name'] : 'Error';
    const cause = isRecord(error['cause']) && typeof error['cause']['code'] === 'string' ? ` (${error['cause']['code']})` : '';
    const message = typeof error['message'] === 'string' ? error['message'].split('\n')[0] : '';
    return new KubeApiError('Unavailable', 0, shorten(`${doing}: ${name}${cause}${message ? `: ${message}` : ''}`));
  }
  const detail = serverMessage ?? reason ?? `HTTP ${code}`;
  return new KubeApiError(kindOfCode(code, reason), code, shorten(`${doing}: ${detail}`), reason);
}

export function isKubeError(error: unknown, kind: KubeErrorKind): error is KubeApiError {
  return error instanceof KubeApiError && error.kind === kind;
}

/** A short, loggable description of any error: kind and message for API errors, message otherwise. */
export function errorSummary(error: unknown): Record<string, unknown> {
  if (error instanceof KubeApiError) return error.toJSON();
  if (error instanceof Error) return { name: error.name, message: shorten(error.message.split('\n')[0] ?? '') };
  return { message: shorten(String(error)) };
}
