// The `error_type` metric label. Upstream labelled every transform failure `transformation_error`
// (upstream-reference.md §9.4 item 34); here the label comes from the error's code, using upstream's
// documented vocabulary (§5.7) where one fits. The set is closed so label cardinality stays bounded.
import { DataflowError, ErrorCode } from '../errors.js';

const LABEL_BY_CODE: Readonly<Record<ErrorCode, string>> = {
  [ErrorCode.config]: 'config_error',
  [ErrorCode.connection]: 'connection_error',
  [ErrorCode.timeout]: 'timeout',
  [ErrorCode.overload]: 'transient',
  [ErrorCode.decode]: 'invalid_data',
  [ErrorCode.transform]: 'transformation_error',
  [ErrorCode.route]: 'routing_error',
  [ErrorCode.recordRejected]: 'record_rejected',
  [ErrorCode.unprocessable]: 'unprocessable',
  [ErrorCode.shutdown]: 'context_canceled',
  [ErrorCode.internal]: 'internal_error',
};

const KNOWN_LABELS = new Set<string>([...Object.values(LABEL_BY_CODE), 'unknown']);

/** The `error_type` label for an error: from its DataflowError code, `unknown` for anything else. */
export function errorTypeOf(error: unknown): string {
  return error instanceof DataflowError ? LABEL_BY_CODE[error.code] : 'unknown';
}

/**
 * Normalises what the runtime passes as an error type: a `DF_*` code or an already-mapped label
 * is accepted; anything else (say, an error message) becomes `unknown` rather than a new series.
 */
export function errorTypeLabel(codeOrLabel: string): string {
  if (Object.hasOwn(LABEL_BY_CODE, codeOrLabel)) return LABEL_BY_CODE[codeOrLabel as ErrorCode];
  return KNOWN_LABELS.has(codeOrLabel) ? codeOrLabel : 'unknown';
}
