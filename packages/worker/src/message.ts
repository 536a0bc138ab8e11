// The message model shared by sources, transforms, the router and sinks.
import { isUtf8 } from 'node:buffer';
import type { DataflowError } from './errors.js';

/** A parsed JSON value. Payloads that parsed as JSON travel in this form: parse once, serialise once. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Raw bytes of a payload that is not JSON (or was never decoded). */
export type RawPayload = Uint8Array;
export type Payload = JsonValue | RawPayload;

/** Where a message came from. Opaque to the runtime, but ordered per partition by the source. */
export interface Position {
  /** Ordering domain: Kafka `topic/partition`, a table name, a file path. */
  readonly partition: string;
  /** Position inside the partition, as the source will understand it in ack(). */
  readonly offset: string;
}

export type MetaValue = string | number | boolean | null | Record<string, string>;

export interface Message {
  /** Unique within the flow run; `<partition>@<offset>` for sources, suffixed for derived messages. */
  readonly id: string;
  readonly position: Position;
  /** Event time (Kafka record timestamp, row time) or read time. */
  readonly timestamp: Date;
  key: string | Uint8Array | null;
  value: Payload;
  headers: Record<string, string>;
  /** Upstream-compatible metadata (`topic`, `partition`, `offset`, `key`, `table`, `routed_condition` …). */
  meta: Record<string, MetaValue>;
  /** Output chosen by a router transform; undefined = the main sink. */
  route?: string;
  /**
   * Set by a source that could not decode this record (e.g. an Avro payload that does not match its
   * schema); `value` then holds the raw bytes. The runtime sends it to the error sink at stage
   * `decode` instead of transforming it.
   */
  decodeError?: DataflowError;
}

export function isRaw(value: Payload): value is RawPayload {
  return value instanceof Uint8Array;
}

export function isJsonObject(value: Payload): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A shallow copy with a new id suffix: derived messages share position and timestamp with their parent. */
export function deriveMessage(parent: Message, value: Payload, suffix?: string): Message {
  const child: Message = {
    id: suffix === undefined ? parent.id : `${parent.id}#${suffix}`,
    position: parent.position,
    timestamp: parent.timestamp,
    key: parent.key,
    value,
    headers: parent.headers,
    meta: parent.meta,
  };
  if (parent.route !== undefined) child.route = parent.route;
  return child;
}

const encoder = new TextEncoder();

/** Serialises a payload for a byte-oriented sink (file, Kafka): JSON once, raw bytes as they came. */
export function payloadBytes(value: Payload): Uint8Array {
  return isRaw(value) ? value : encoder.encode(JSON.stringify(value));
}

/** The payload as text (raw bytes decoded as UTF-8 with replacement characters). */
export function payloadText(value: Payload): string {
  return isRaw(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') : JSON.stringify(value);
}

/**
 * Decodes source bytes: JSON when the bytes are valid UTF-8 and parse as JSON, otherwise the bytes
 * themselves (non-JSON payloads pass through transforms as their semantics say). Invalid UTF-8 is
 * never parsed: decoding would swap bad bytes for U+FFFD and the payload would no longer be the
 * one the source delivered.
 */
export function decodePayload(bytes: Uint8Array): Payload {
  if (!isUtf8(bytes)) return bytes;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return bytes;
  }
}
