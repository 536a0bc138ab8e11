// Kafka sink: one produce call per runtime batch (upstream sent one synchronous request per
// message), idempotent producer with acks=all, optional compression and Avro encoding.
//
// Failure handling:
// - A record that cannot be encoded (Avro mismatch, raw bytes for Avro) fails alone; the rest of
//   the batch is sent.
// - Sends are cut into chunks of at most `maxRequestBytes` (key + value + headers), far below the
//   broker's default 1 MiB batch limit, so a batch of many records never trips MESSAGE_TOO_LARGE
//   only because of its total size; a record bigger than that travels alone.
// - A record-level broker error (MESSAGE_TOO_LARGE, INVALID_RECORD, ...) fails the produce request
//   of that chunk, while other partitions in the same request may already have been appended. The
//   producer is replaced (fresh producer id and sequence numbers, see below) and the chunk's
//   records are resent one by one: the offending ones are reported in `failed`, the others are
//   written (those already appended once are duplicated: at-least-once).
// - Anything else kafkajs gives up on is a retriable ConnectionError: the runtime retries the whole
//   batch. The producer is replaced first. kafkajs rolls back the sequence numbers of every
//   partition of a failed request, even of those the broker appended; resending different records
//   under those numbers would be refused (out of order) or, worse, discarded as duplicates.
//
// kafkajs requires maxInFlightRequests ≤ 5 for idempotence; we use 1. The runtime writes one batch
// at a time and a chunk is one request per broker, so a second in-flight request would never be
// used, and 1 keeps ordering safe when kafkajs retries a failed request itself.
import { parsePath } from '@dataflow/api';
import type { CompressionTypes, Producer, Message as KafkaRecord } from 'kafkajs';
import { DataflowError, RecordError, errorMessage } from '../../errors.js';
import type { Message } from '../../message.js';
import type { PluginContext, Sink, SinkFactory, WriteResult } from '../../plugin.js';
import { ALL_WRITTEN } from '../../plugin.js';
import type { AvroSettings } from './avro.js';
import { AvroEncoder, resolveAvro } from './avro.js';
import { createKafkaClient } from './client.js';
import { compressionType } from './codecs.js';
import type { KafkaConnection } from './connection.js';
import { resolveConnection } from './connection.js';
import type { KafkaErrorContext } from './errors.js';
import { isRecordLevelError, protocolErrorType, translateKafkaError } from './errors.js';
import type { KeySource } from './records.js';
import { jsonRecordValue, kafkaRecord, recordHeaders, recordKey } from './records.js';
import { Section } from '../config-section.js';

const OWNER = 'kafka sink';

/** What the sink config says before anything is resolved (secrets, files) at open. */
export interface KafkaSinkSettings {
  readonly raw: Record<string, unknown>;
  readonly key: KeySource;
  readonly staticHeaders: Readonly<Record<string, string>>;
  readonly forwardHeaders: boolean;
  /** none, gzip, snappy or zstd (lz4 is refused). */
  readonly compression: string;
  readonly idempotent: boolean;
  /** Schema Registry subject; absent: `<topic>-value`. */
  readonly subject?: string;
}

/** Checks the parts of the config that need no I/O; connection, TLS, SASL and Avro are resolved at open. */
export function parseKafkaSinkConfig(config: Record<string, unknown>): KafkaSinkSettings {
  const section = new Section(config, OWNER);
  const keySection = section.section('key');
  let key: KeySource = { kind: 'message' };
  if (keySection !== undefined) {
    const path = keySection.optionalString('path');
    const metadata = keySection.optionalString('metadata');
    if ((path === undefined) === (metadata === undefined)) throw keySection.fail('path', 'set exactly one of key.path (a payload path) and key.metadata (a metadata key)');
    if (path !== undefined) {
      try {
        key = { kind: 'path', path: parsePath(path) };
      } catch (error) {
        throw keySection.fail('path', `is not a valid path: ${errorMessage(error)}`);
      }
    } else if (metadata !== undefined) {
      key = { kind: 'metadata', name: metadata };
    }
  }
  const compression = section.optionalString('compression') ?? 'none';
  compressionType(compression, OWNER);
  const subject = section.optionalString('subject');
  if (subject !== undefined && !section.has('schemaRegistry')) throw section.fail('subject', 'is used only with schemaRegistry');
  return {
    raw: config,
    key,
    staticHeaders: section.optionalStringMap('headers') ?? {},
    forwardHeaders: section.optionalBoolean('forwardHeaders', false),
    compression,
    idempotent: section.optionalBoolean('idempotent', true),
    ...(subject === undefined ? {} : { subject }),
  };
}

/** Resolved at open: who we talk to and how values are encoded. */
interface OpenState {
  readonly connection: KafkaConnection;
  readonly encoder: AvroEncoder | undefined;
  readonly errorContext: KafkaErrorContext;
}

interface Outcome {
  readonly index: number;
  readonly error: DataflowError;
}

export interface KafkaSinkOptions {
  /** Upper bound of record bytes in one produce request (default 512 KiB). */
  readonly maxRequestBytes?: number;
}

export const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

export class KafkaSink implements Sink {
  private readonly settings: KafkaSinkSettings;
  private readonly maxRequestBytes: number;
  private readonly ctx: PluginContext;
  private readonly compression: CompressionTypes;
  private state: OpenState | undefined;
  private producer: Producer | undefined;
  /** The producer's last send failed with an unknown outcome: replace it before the next send. */
  private producerSuspect = false;
  private closed = false;

  constructor(settings: KafkaSinkSettings, ctx: PluginContext, options: KafkaSinkOptions = {}) {
    this.settings = settings;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.ctx = ctx;
    this.compression = compressionType(settings.compression, OWNER);
  }

  async open(_signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    await this.release();
    const section = new Section(this.settings.raw, OWNER);
    const connection = await resolveConnection(section, this.ctx.secrets);
    const errorContext: KafkaErrorContext = {
      owner: OWNER,
      brokers: connection.brokers,
      ...(connection.sasl === undefined ? {} : { username: connection.sasl.username }),
    };
    const avro: AvroSettings | undefined = await resolveAvro(section, this.ctx.secrets);
    let encoder: AvroEncoder | undefined;
    if (avro !== undefined) {
      try {
        encoder = await AvroEncoder.create(avro, this.settings.subject ?? `${connection.topic}-value`, OWNER);
      } catch (error) {
        avro.registry?.close();
        throw error;
      }
    }
    this.state = { connection, encoder, errorContext };
    try {
      await this.connectProducer();
    } catch (error) {
      await this.release();
      throw error;
    }
  }

  async write(batch: readonly Message[], _signal: AbortSignal): Promise<WriteResult> {
    if (this.closed) throw new Error(`${OWNER}: write after close`);
    const state = this.state;
    if (state === undefined) throw new Error(`${OWNER}: write before open`);
    if (batch.length === 0) return ALL_WRITTEN;
    const records: KafkaRecord[] = [];
    const indexes: number[] = [];
    const failed: Outcome[] = [];
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i] as Message;
      try {
        records.push(this.toRecord(message, state.encoder));
        indexes.push(i);
      } catch (error) {
        failed.push({ index: i, error: error instanceof DataflowError ? error : new RecordError(errorMessage(error), { cause: error }) });
      }
    }
    if (records.length > 0) await this.sendIsolating(records, indexes, failed, state);
    if (failed.length === 0) return ALL_WRITTEN;
    failed.sort((a, b) => a.index - b.index);
    return { failed };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }

  private toRecord(message: Message, encoder: AvroEncoder | undefined): KafkaRecord {
    const key = recordKey(message, this.settings.key);
    const headers = recordHeaders(message, this.settings);
    const value = encoder === undefined || message.value === null ? jsonRecordValue(message.value) : encoder.encode(message.value);
    return kafkaRecord(key, value, headers, message.timestamp);
  }

  /** Sends `records` in size-bounded chunks; a chunk failing on a record-level error is resent record by record. */
  private async sendIsolating(records: KafkaRecord[], indexes: number[], failed: Outcome[], state: OpenState): Promise<void> {
    for (const [start, end] of chunkBounds(records, this.maxRequestBytes)) {
      const chunk = records.slice(start, end);
      try {
        await this.send(chunk, state);
        continue;
      } catch (error) {
        if (!isRecordLevelError(error)) throw this.failSend(error, state);
        this.producerSuspect = true;
        if (chunk.length > 1) this.ctx.log.warn({ connector: OWNER, records: chunk.length, err: errorMessage(error) }, 'kafka rejected a produce request; resending its records one by one to find the bad ones');
      }
      for (let i = start; i < end; i++) {
        try {
          await this.send([records[i] as KafkaRecord], state);
        } catch (error) {
          if (!isRecordLevelError(error)) throw this.failSend(error, state);
          const type = protocolErrorType(error) ?? 'rejected';
          failed.push({ index: indexes[i] as number, error: new RecordError(`${OWNER}: the broker rejected the record (${type}): ${errorMessage(error)}`, { cause: error }) });
        }
      }
    }
  }

  private async send(records: KafkaRecord[], state: OpenState): Promise<void> {
    if (this.producerSuspect || this.producer === undefined) await this.connectProducer();
    const producer = this.producer as Producer;
    await producer.send({ topic: state.connection.topic, messages: records, acks: -1, compression: this.compression });
  }

  /** Marks the producer for replacement and turns the error into ours. */
  private failSend(error: unknown, state: OpenState): DataflowError {
    this.producerSuspect = true;
    return translateKafkaError(error, state.errorContext);
  }

  private async connectProducer(): Promise<void> {
    const state = this.state;
    if (state === undefined) throw new Error(`${OWNER}: not open`);
    const previous = this.producer;
    this.producer = undefined;
    if (previous !== undefined) await previous.disconnect().catch(() => undefined);
    const kafka = createKafkaClient(state.connection, { log: this.ctx.log.child({ connector: OWNER }) });
    const producer = kafka.producer({
      idempotent: this.settings.idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Bounded (kafkajs' idempotent default is unbounded, which would hang a write forever);
      // after these the runtime's backoff retries the batch with a fresh producer.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw translateKafkaError(error, state.errorContext);
    }
    this.producer = producer;
    this.producerSuspect = false;
  }

  private async release(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    const encoder = this.state?.encoder;
    this.state = undefined;
    encoder?.close();
    if (producer !== undefined) {
      try {
        await producer.disconnect();
      } catch (error) {
        this.ctx.log.warn({ connector: OWNER, err: errorMessage(error) }, 'kafka producer failed to disconnect');
      }
    }
  }
}

export const kafkaSinkFactory: SinkFactory = {
  type: 'kafka',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new KafkaSink(parseKafkaSinkConfig(config), ctx),
};

/** Record size as the broker counts it, roughly: key, value and header bytes. */
function recordBytes(record: KafkaRecord): number {
  let bytes = 0;
  if (record.key !== null && record.key !== undefined) bytes += typeof record.key === 'string' ? Buffer.byteLength(record.key) : record.key.length;
  if (record.value !== null) bytes += typeof record.value === 'string' ? Buffer.byteLength(record.value) : record.value.length;
  if (record.headers !== undefined) {
    for (const [name, value] of Object.entries(record.headers)) {
      bytes += name.length + (typeof value === 'string' ? Buffer.byteLength(value) : Buffer.isBuffer(value) ? value.length : 0);
    }
  }
  return bytes;
}

/** [start, end) index ranges of consecutive records holding at most `limit` bytes each (a bigger record alone). */
export function chunkBounds(records: readonly KafkaRecord[], limit: number): Array<[number, number]> {
  const bounds: Array<[number, number]> = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const bytes = recordBytes(records[i] as KafkaRecord);
    if (i > start && size + bytes > limit) {
      bounds.push([start, i]);
      start = i;
      size = 0;
    }
    size += bytes;
  }
  if (start < records.length) bounds.push([start, records.length]);
  return bounds;
}
