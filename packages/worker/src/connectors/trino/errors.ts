// Trino failures as the worker's error vocabulary (upstream-reference.md §1.5.3). Transient
// conditions (overload, a lost worker node, a restarting coordinator, HTTP 429/502/503) are
// retriable ConnectionErrors; a failed statement because of what it contains (a type mismatch, a
// bad cast, a missing table) is a non-retriable TrinoQueryError that a sink may narrow down to the
// records that caused it; a rejected token is a non-retriable authentication error.
import { ConnectionError, DataflowError, ErrorCode } from '../../errors.js';

/** The `error` object of a Trino statement response (the parts we use). */
export interface TrinoErrorInfo {
  readonly message?: string;
  readonly errorCode?: number;
  readonly errorName?: string;
  readonly errorType?: string;
}

/** Error names Trino uses for conditions that go away on their own. */
const TRANSIENT_ERROR_NAMES = new Set([
  'TOO_MANY_REQUESTS_FAILED',
  'REMOTE_TASK_ERROR',
  'REMOTE_TASK_MISMATCH',
  'REMOTE_HOST_GONE',
  'NO_NODES_AVAILABLE',
  'SERVER_STARTING_UP',
  'SERVER_SHUTTING_DOWN',
  'PAGE_TRANSPORT_ERROR',
  'PAGE_TRANSPORT_TIMEOUT',
  'PAGE_TOO_LARGE',
  'ABANDONED_QUERY',
  'CLUSTER_OUT_OF_MEMORY',
  'EXCEEDED_GLOBAL_MEMORY_LIMIT',
  'QUERY_QUEUE_FULL',
]);

/** Message fragments the upstream client treated as transient; kept so the same failures are retried. */
const TRANSIENT_PATTERNS = [
  /too_many_requests_failed/i,
  /transient/i,
  /worker node/i,
  /retry your query/i,
  /too many errors/i,
  /connect timeout/i,
  /under too much load/i,
  /the node may have crashed/i,
  /no nodes available/i,
];

/** A statement Trino ran and failed, for a reason retrying will not change. */
export class TrinoQueryError extends DataflowError {
  readonly errorName: string;
  readonly errorType: string;
  constructor(message: string, info: TrinoErrorInfo) {
    super(ErrorCode.unprocessable, message, false);
    this.name = 'TrinoQueryError';
    this.errorName = info.errorName ?? 'UNKNOWN';
    this.errorType = info.errorType ?? 'UNKNOWN';
  }

  /** True when the statement's content (values, types, names) caused the failure. */
  get isUserError(): boolean {
    return this.errorType === 'USER_ERROR';
  }
}

/** The server refused the credentials; retrying with the same ones cannot help. */
export class TrinoAuthError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.config, message, false, options);
    this.name = 'TrinoAuthError';
  }
}

export function isTransientTrinoError(info: TrinoErrorInfo): boolean {
  if (info.errorName !== undefined && TRANSIENT_ERROR_NAMES.has(info.errorName)) return true;
  if (info.errorType === 'INSUFFICIENT_RESOURCES') return true;
  const message = info.message ?? '';
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
}

/** A failed statement as a typed error; `what` says which statement, e.g. "trino sink insert into memory.default.t". */
export function translateTrinoError(info: TrinoErrorInfo, what: string): DataflowError {
  const name = info.errorName ?? 'UNKNOWN';
  const text = `${what} failed: ${name}: ${info.message ?? 'no message'}`;
  if (isTransientTrinoError(info)) return new ConnectionError(text);
  return new TrinoQueryError(text, info);
}

/** HTTP statuses the statement protocol answers when the coordinator is busy or restarting. */
export function isTransientHttpStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}
