// ClickHouse failures in the worker's error vocabulary. The server's errors reach us as text
// (`Code: 241, e.displayText() = DB::Exception: …` in 18.16; the client's typed error only parses the
// newer format), so the server code is read from the message. No code at all means the request never
// got a ClickHouse answer: refused, reset, timed out, or a proxy's 5xx page — all retriable.
import { ConnectionError, DataflowError, ErrorCode, RecordError, errorMessage } from '../../errors.js';

/** Overload and transient server states: retried by the runtime with back-off. */
const RETRIABLE_CODES = new Map<number, string>([
  [159, 'TIMEOUT_EXCEEDED'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [252, 'TOO_MANY_PARTS'],
  [285, 'TOO_FEW_LIVE_REPLICAS'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [425, 'SYSTEM_ERROR'],
  [999, 'KEEPER_EXCEPTION'],
]);

/** The data of a row cannot be stored: the row is dead-lettered, the others are written. */
const RECORD_CODES = new Map<number, string>([
  [6, 'CANNOT_PARSE_TEXT'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** The server's error code in a message (`Code: 252.` or `Code: 252,`); undefined when there is none. */
export function serverErrorCode(error: unknown): number | undefined {
  const typed = (error as { code?: unknown } | null)?.code;
  if (typeof typed === 'string' && /^\d+$/.test(typed)) return Number(typed);
  const match = /\bCode: (\d+)/.exec(errorMessage(error));
  return match === null ? undefined : Number(match[1]);
}

export type ErrorClass = 'retriable' | 'record' | 'fatal';

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof DataflowError) return error.retriable ? 'retriable' : error instanceof RecordError ? 'record' : 'fatal';
  const code = serverErrorCode(error);
  if (code !== undefined) return RETRIABLE_CODES.has(code) ? 'retriable' : RECORD_CODES.has(code) ? 'record' : 'fatal';
  if (!(error instanceof Error)) return 'fatal';
  // Programming errors are bugs, never retried.
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return 'fatal';
  return 'retriable';
}

/** The first line of a server message, without the stack trace 18.16 appends. */
function shortMessage(error: unknown): string {
  const text = errorMessage(error).trim();
  const line = text.split('\n', 1)[0] ?? text;
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}

/** Wraps a driver error: retriable → ConnectionError, record-level → RecordError, else a fatal DataflowError. */
export function translateClickHouseError(error: unknown, context: string): DataflowError {
  if (error instanceof DataflowError) return error;
  const message = `${context}: ${shortMessage(error)}`;
  const netCode = (error as { code?: unknown } | null)?.code;
  if (typeof netCode === 'string' && NETWORK_CODES.has(netCode)) return new ConnectionError(message, { cause: error });
  switch (classifyError(error)) {
    case 'retriable': {
      const code = serverErrorCode(error);
      const overload = code === 202 || code === 241 || code === 252;
      return new ConnectionError(message, { cause: error, ...(overload ? { code: ErrorCode.overload } : {}) });
    }
    case 'record':
      return new RecordError(message, { cause: error });
    case 'fatal':
      return new DataflowError(ErrorCode.config, message, false, { cause: error });
  }
}
