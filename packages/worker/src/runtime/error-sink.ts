// Builds the record the error sink receives for a message that failed at some stage. The record
// describes exactly the message that failed, as it entered the failing stage — upstream wrapped
// whichever message happened to be in flight and flagged it "approximate" (§9.4 items 24–25).
import { errorMessage } from '../errors.js';
import type { JsonObject, JsonValue, Message, MetaValue } from '../message.js';
import { isRaw } from '../message.js';

/** Name of the error sink in stages, metrics and logs. */
export const ERROR_SINK_NAME = 'errors';

export interface FailureDescription {
  /** `decode`, `transform:<i>:<type>`, `route` or `sink:<name>`. */
  readonly stage: string;
  readonly error: unknown;
  /** Type of the sink the record was bound for (upstream's `original_sink`). */
  readonly originalSink: string;
  readonly at: Date;
}

/**
 * The error record: payload
 * `{"error": {message, stage, timestamp, original_sink, position, metadata}, "original_message": …}`;
 * metadata = the failed message's metadata plus `error`, `error_timestamp`, `error_stage`,
 * `original_sink` and `is_error_message: true`. Position, key, headers and timestamp are the failed
 * message's, so the record is committed with (and only with) its source position.
 */
export function buildErrorRecord(failed: Message, failure: FailureDescription): Message {
  const message = errorMessage(failure.error);
  const timestamp = failure.at.toISOString();
  const value: JsonObject = {
    error: {
      message,
      stage: failure.stage,
      timestamp,
      original_sink: failure.originalSink,
      position: { partition: failed.position.partition, offset: failed.position.offset },
      metadata: metadataJson(failed.meta),
    },
    original_message: originalMessage(failed),
  };
  const meta: Record<string, MetaValue> = {
    ...failed.meta,
    error: message,
    error_timestamp: timestamp,
    error_stage: failure.stage,
    original_sink: failure.originalSink,
    is_error_message: true,
  };
  return {
    id: `${failed.id}#error`,
    position: failed.position,
    timestamp: failed.timestamp,
    key: failed.key,
    value,
    headers: failed.headers,
    meta,
  };
}

/** The failed payload: JSON as it was; raw bytes as base64 (lossless) plus their UTF-8 reading. */
function originalMessage(failed: Message): JsonValue {
  const value = failed.value;
  if (!isRaw(value)) return value;
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return { original_data_base64: bytes.toString('base64'), original_data: bytes.toString('utf8') };
}

function metadataJson(meta: Readonly<Record<string, MetaValue>>): JsonObject {
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(meta)) copy[key] = value === null || typeof value !== 'object' ? value : { ...value };
  return copy;
}
