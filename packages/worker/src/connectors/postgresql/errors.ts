// PostgreSQL and driver errors as the runtime understands them. The server's SQLSTATE decides, not
// the message text (house-style §1.3 node-postgres): connection-class states are retried, states
// that describe one row's data are record errors (the sink isolates and dead-letters the row), and
// login or catalogue problems are configuration errors with a message that says what to fix. The
// driver reports a dropped socket as a plain Error without SQLSTATE; those are recognised by their
// Node error code or by the driver's fixed wording.
import { DatabaseError } from 'pg';
import { ConfigError, ConnectionError, DataflowError, ErrorCode, RecordError, errorMessage } from '../../errors.js';

export const SqlStateKind = {
  /** The connection or the server is (temporarily) unavailable: retry. */
  connection: 'connection',
  /** Transaction lost a race (serialization failure, deadlock): retry. */
  conflict: 'conflict',
  /** The statement was cancelled (statement_timeout): retry. */
  timeout: 'timeout',
  /** One row's data is unacceptable (constraint, type, length, unknown column). */
  record: 'record',
  /** Login, database, schema, table or privilege problem: fix the configuration. */
  config: 'config',
  /** Anything else: a bug or an unexpected server state; not retried. */
  other: 'other',
} as const;
export type SqlStateKind = (typeof SqlStateKind)[keyof typeof SqlStateKind];

const RETRIABLE_STATES = new Set(['57P01', '57P02', '57P03', '55P03', '55006']);
const RECORD_STATES = new Set(['42703', '42804', '21000', '54000', '2202E', '0Z002']);
const CONFIG_STATES = new Set(['3D000', '3F000', '42P01', '42501', '42601', '42883', '42P02', '42P10', '42704', '42939', '0A000', '42809', '25006']);

/** What a SQLSTATE means for the runtime (classes per the PostgreSQL manual, appendix A). */
export function classifySqlState(state: string): SqlStateKind {
  const cls = state.slice(0, 2);
  if (cls === '08' || cls === '53' || cls === '58' || RETRIABLE_STATES.has(state)) return SqlStateKind.connection;
  if (state === '40001' || state === '40P01') return SqlStateKind.conflict;
  if (state === '57014') return SqlStateKind.timeout;
  if (cls === '22' || cls === '23' || RECORD_STATES.has(state)) return SqlStateKind.record;
  if (cls === '28' || CONFIG_STATES.has(state)) return SqlStateKind.config;
  return SqlStateKind.other;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
// Fixed wordings of node-postgres for a socket that ended or never became usable.
const DRIVER_CONNECTION_TEXT = /connection terminated|not queryable|timeout expired|connection timeout|query read timeout|socket|ended unexpectedly/i;
const TLS_TEXT = /certificate|self[- ]signed|ssl|tls/i;

/** The SQLSTATE of a server error, or undefined for driver/network errors. */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof DatabaseError && typeof error.code === 'string') return error.code;
  return undefined;
}

export function isDatabaseError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError;
}

/** The server's message with its SQLSTATE and the detail line, e.g. `null value in column … (23502; Failing row contains …)`. */
export function describePgError(error: unknown): string {
  if (!(error instanceof DatabaseError)) return errorMessage(error);
  const extra = [error.code, error.detail, error.where].filter((part): part is string => typeof part === 'string' && part !== '');
  return extra.length === 0 ? error.message : `${error.message} (${extra.join('; ')})`;
}

/** True when the failure says nothing about the data: the socket or the server went away. */
export function isConnectionLoss(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state !== undefined) {
    const kind = classifySqlState(state);
    return kind === SqlStateKind.connection || kind === SqlStateKind.conflict || kind === SqlStateKind.timeout;
  }
  if (error instanceof DataflowError) return error.retriable;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error instanceof Error && !(error instanceof TypeError || error instanceof RangeError) && DRIVER_CONNECTION_TEXT.test(error.message);
}

/** True when the server rejected the data of a row (the sink splits the batch to find it). */
export function isRecordLevel(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && classifySqlState(state) === SqlStateKind.record;
}

/**
 * Translates a driver error raised while doing `what` (e.g. `postgresql sink cannot connect to
 * 127.0.0.1:5432/app`). Record-level states become RecordError only when `recordLevel` is true (a
 * sink writing rows); for a source they mean a broken query or checkpoint and are config errors.
 * `configHint` replaces the generic advice appended to configuration errors.
 */
export function translatePgError(error: unknown, what: string, options: { recordLevel?: boolean; configHint?: string } = {}): DataflowError {
  if (error instanceof DataflowError) return error;
  const detail = describePgError(error);
  const message = `${what}: ${detail}`;
  const state = sqlStateOf(error);
  if (state !== undefined) {
    switch (classifySqlState(state)) {
      case SqlStateKind.connection:
      case SqlStateKind.conflict:
        return new ConnectionError(message, { cause: error });
      case SqlStateKind.timeout:
        return new ConnectionError(message, { cause: error, code: ErrorCode.timeout });
      case SqlStateKind.record:
        if (options.recordLevel === true) return new RecordError(message, { cause: error });
        return new ConfigError(`${message}${options.configHint ?? ''}`, { cause: error });
      case SqlStateKind.config:
        return new ConfigError(`${message}${options.configHint ?? configHint(state)}`, { cause: error });
      case SqlStateKind.other:
        return new DataflowError(ErrorCode.internal, message, false, { cause: error });
    }
  }
  if (isConnectionLoss(error)) return new ConnectionError(message, { cause: error });
  if (error instanceof Error && TLS_TEXT.test(error.message)) {
    return new ConfigError(`${message} (check sslmode and the CA/certificates of the connection string)`, { cause: error });
  }
  if (error instanceof Error && /password|SASL|SCRAM/i.test(error.message)) {
    return new ConfigError(`${message} (check the user and password in connectionString or connectionStringSecretRef)`, { cause: error });
  }
  return new DataflowError(ErrorCode.internal, message, false, { cause: error });
}

function configHint(state: string): string {
  if (state.startsWith('28')) return ' — check the user and password in connectionString or connectionStringSecretRef, and pg_hba.conf';
  switch (state) {
    case '3D000':
      return ' — the database named in the connection string does not exist';
    case '3F000':
      return ' — the schema does not exist (create it, or set autoCreateTable: true on a sink)';
    case '42P01':
      return ' — the table does not exist (create it, or set autoCreateTable: true on a sink)';
    case '42501':
      return ' — the database user lacks a privilege on this table or schema';
    case '42P10':
      return ' — conflictKey must name the columns of a primary key or unique index of the table';
    default:
      return '';
  }
}
