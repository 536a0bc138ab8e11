// Error vocabulary of the worker. Connectors translate driver errors at their edge into one of
// these; the runtime decides from `retriable` whether to back off and retry or to dead-letter.
// Rule: a component either logs and recovers, or wraps and throws — never both.

export const ErrorCode = {
  config: 'DF_CONFIG',
  connection: 'DF_CONNECTION',
  timeout: 'DF_TIMEOUT',
  overload: 'DF_OVERLOAD',
  decode: 'DF_DECODE',
  transform: 'DF_TRANSFORM',
  route: 'DF_ROUTE',
  recordRejected: 'DF_RECORD_REJECTED',
  unprocessable: 'DF_UNPROCESSABLE',
  shutdown: 'DF_SHUTDOWN',
  internal: 'DF_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class DataflowError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  constructor(code: ErrorCode, message: string, retriable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataflowError';
    this.code = code;
    this.retriable = retriable;
  }
}

/** The flow's configuration cannot work; never retried. */
export class ConfigError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.config, message, false, options);
    this.name = 'ConfigError';
  }
}

/** A remote system is unreachable, timed out or overloaded; retried with backoff. */
export class ConnectionError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? ErrorCode.connection, message, true, options);
    this.name = 'ConnectionError';
  }
}

/** One record cannot be processed or written; it goes to the error sink, the flow continues. */
export class RecordError extends DataflowError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? ErrorCode.recordRejected, message, false, options);
    this.name = 'RecordError';
  }
}

/** Programming errors (TypeError, RangeError …) are bugs, not transient conditions: never retried. */
export function isRetriable(error: unknown): boolean {
  return error instanceof DataflowError && error.retriable;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
