// Kafka records ↔ flow messages. Source: metadata `topic`, `partition`, `offset`, `key` (null stays
// null — upstream turned it into "", sending every Kafka→Kafka record to one partition),
// `headers`, `timestamp` (ISO). Sink: the record key from a payload path, a metadata key or the
// message key; headers static and/or forwarded; a JSON `null` payload is a tombstone (null value),
// the same way the source reads one.
import { isUtf8 } from 'node:buffer';
import { getPath } from '@dataflow/api';
import type { CompiledPath } from '@dataflow/api';
import type { KafkaMessage, Message as KafkaRecord } from 'kafkajs';
import type { DataflowError } from '../../errors.js';
import type { Message, MetaValue, Payload } from '../../message.js';
import { isRaw, payloadBytes } from '../../message.js';

/** `<topic>/<partition>`: the ordering domain of the runtime's ack tracker. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Header values as text; Kafka allows repeats, the last one wins (Java's `lastHeader`). */
export function headerMap(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    out[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return out;
}

/** Record timestamp (ms since epoch as a string) as a Date; the read time when missing or invalid. */
function recordTime(timestamp: string, readAt: Date): Date {
  const ms = Number(timestamp);
  return Number.isFinite(ms) && ms >= 0 ? new Date(ms) : readAt;
}

/**
 * One consumed record as a message. `value` is the decoded payload (or the raw bytes with
 * `decodeError` set). A key that is not UTF-8 stays bytes on the message and is base64 in `meta.key`
 * (with `meta.key_encoding: "base64"`), so nothing is lost.
 */
export function recordToMessage(
  topic: string,
  partition: number,
  record: KafkaMessage,
  value: Payload,
  readAt: Date,
  decodeError?: DataflowError,
): Message {
  const partitionName = partitionKey(topic, partition);
  const timestamp = recordTime(record.timestamp, readAt);
  const headers = headerMap(record.headers);
  const meta: Record<string, MetaValue> = {
    topic,
    partition,
    offset: Number(record.offset),
    key: null,
    headers,
    timestamp: timestamp.toISOString(),
  };
  let key: string | Uint8Array | null = null;
  if (record.key !== null) {
    if (isUtf8(record.key)) {
      key = record.key.toString('utf8');
      meta['key'] = key;
    } else {
      key = record.key;
      meta['key'] = record.key.toString('base64');
      meta['key_encoding'] = 'base64';
    }
  }
  const message: Message = {
    id: `${partitionName}@${record.offset}`,
    position: { partition: partitionName, offset: record.offset },
    timestamp,
    key,
    value,
    headers,
    meta,
  };
  if (decodeError !== undefined) message.decodeError = decodeError;
  return message;
}

/** Where the produced record's key comes from (config `key`). */
export type KeySource = { readonly kind: 'message' } | { readonly kind: 'path'; readonly path: CompiledPath } | { readonly kind: 'metadata'; readonly name: string };

function keyText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The record key; null (no key, partitioner spreads the records) when the source has none. */
export function recordKey(message: Message, source: KeySource): string | Buffer | null {
  switch (source.kind) {
    case 'message':
      return message.key === null || typeof message.key === 'string' ? message.key : asBuffer(message.key);
    case 'path': {
      if (isRaw(message.value)) return null;
      const found = getPath(message.value, source.path);
      return found.found ? keyText(found.value) : null;
    }
    case 'metadata':
      return keyText(message.meta[source.name]);
  }
}

export interface HeaderOptions {
  readonly forwardHeaders: boolean;
  readonly staticHeaders: Readonly<Record<string, string>>;
}

/** Forwarded message headers (when asked) overlaid with the static ones; undefined = none. */
export function recordHeaders(message: Message, options: HeaderOptions): Record<string, string> | undefined {
  const forwarded = options.forwardHeaders ? message.headers : undefined;
  const hasForwarded = forwarded !== undefined && Object.keys(forwarded).length > 0;
  const hasStatic = Object.keys(options.staticHeaders).length > 0;
  if (!hasForwarded && !hasStatic) return undefined;
  return { ...(hasForwarded ? forwarded : {}), ...options.staticHeaders };
}

/** A JSON payload serialised once; raw bytes as they came; JSON null → tombstone. */
export function jsonRecordValue(value: Payload): Buffer | null {
  if (value === null) return null;
  return asBuffer(payloadBytes(value));
}

/** Assembles the kafkajs record. */
export function kafkaRecord(key: string | Buffer | null, value: Buffer | null, headers: Record<string, string> | undefined, timestamp?: Date): KafkaRecord {
  const record: KafkaRecord = { key, value };
  if (headers !== undefined) record.headers = headers;
  if (timestamp !== undefined) record.timestamp = String(timestamp.getTime());
  return record;
}
