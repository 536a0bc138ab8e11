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
import type { Message, MetaValue, Payload, Position } from '../../message.js';
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

function hasAny(headers: KafkaMessage['headers']): boolean {
  if (headers === undefined) return false;
  for (const _ in headers) return true;
  return false;
}

/** Record timestamp (ms since epoch as a string) as a Date; the read time when missing or invalid. */
function recordTime(timestamp: string, readAt: Date): Date {
  const ms = Number(timestamp);
  return Number.isFinite(ms) && ms >= 0 ? new Date(ms) : readAt;
}

/**
 * A consumed record as a message. Only what every flow needs is built up front (position, key,
 * payload); id, timestamp, headers and metadata are built on first use, because most flows never
 * look at them and building them for every record was a measurable part of the CPU and garbage
 * per message. Every field reads and writes like a plain Message's. The kafkajs record itself is
 * not kept: its buffers are views of a whole fetch response, which would stay in memory as long as
 * any of its messages.
 */
class KafkaRecordMessage implements Message {
  readonly position: Position;
  key: string | Uint8Array | null;
  value: Payload;
  route?: string;
  decodeError?: DataflowError;
  private readonly topic: string;
  private readonly partition: number;
  /** Milliseconds since the epoch as kafkajs gives it. */
  private readonly recordTimestamp: string;
  private readonly recordKey: string | Uint8Array | null;
  private readonly readAt: Date;
  private timestampCache: Date | undefined;
  /** The record's headers as text (built at once when there are any: their buffers are views). */
  private recordHeaders: Record<string, string> | undefined;
  private headersValue: Record<string, string> | undefined;
  private metaValue: Record<string, MetaValue> | undefined;

  constructor(topic: string, partition: number, position: Position, record: KafkaMessage, value: Payload, readAt: Date) {
    this.position = position;
    this.topic = topic;
    this.partition = partition;
    this.recordTimestamp = record.timestamp;
    this.readAt = readAt;
    this.value = value;
    this.key = record.key === null ? null : isUtf8(record.key) ? record.key.toString('utf8') : record.key;
    this.recordKey = this.key;
    if (hasAny(record.headers)) this.recordHeaders = headerMap(record.headers);
  }

  get id(): string {
    return `${this.position.partition}@${this.position.offset}`;
  }

  get timestamp(): Date {
    return (this.timestampCache ??= recordTime(this.recordTimestamp, this.readAt));
  }

  get headers(): Record<string, string> {
    return (this.headersValue ??= this.originalHeaders());
  }

  set headers(headers: Record<string, string>) {
    this.headersValue = headers;
  }

  get meta(): Record<string, MetaValue> {
    return (this.metaValue ??= this.buildMeta());
  }

  set meta(meta: Record<string, MetaValue>) {
    this.metaValue = meta;
  }

  private originalHeaders(): Record<string, string> {
    return (this.recordHeaders ??= {});
  }

  private buildMeta(): Record<string, MetaValue> {
    const key = this.recordKey;
    const meta: Record<string, MetaValue> = {
      topic: this.topic,
      partition: this.partition,
      offset: Number(this.position.offset),
      key: typeof key === 'string' ? key : null,
      headers: this.originalHeaders(),
      timestamp: this.timestamp.toISOString(),
    };
    if (key !== null && typeof key !== 'string') {
      meta['key'] = asBuffer(key).toString('base64');
      meta['key_encoding'] = 'base64';
    }
    return meta;
  }
}

/**
 * One consumed record as a message. `value` is the decoded payload (or the raw bytes with
 * `decodeError` set). A key that is not UTF-8 stays bytes on the message and is base64 in `meta.key`
 * (with `meta.key_encoding: "base64"`), so nothing is lost. `partitionName` is
 * `partitionKey(topic, partition)`, passed in so a batch of one partition builds it once.
 */
export function recordToMessage(
  topic: string,
  partition: number,
  record: KafkaMessage,
  value: Payload,
  readAt: Date,
  decodeError?: DataflowError,
  partitionName = partitionKey(topic, partition),
): Message {
  const message = new KafkaRecordMessage(topic, partition, { partition: partitionName, offset: record.offset }, record, value, readAt);
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
