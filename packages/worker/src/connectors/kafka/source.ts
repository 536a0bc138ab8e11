// Kafka source: one topic in a consumer group, batch consumption, commits only through ack().
//
// kafkajs fetches from its "resolved" offset, so every record handed to our buffer is resolved at
// once (fetching moves on) while auto-commit stays off: the committed offset moves only when the
// runtime acks, in order per partition, and then to offset+1 of the highest acked position.
// Back-pressure: when the buffer holds `readAheadRecords` records or `readAheadBytes` of payload,
// eachBatch first waits up to FULL_BUFFER_WAIT_MS for read() to make room — the usual case while
// the sink keeps up, and it keeps kafkajs fetching: with every partition paused kafkajs sleeps a
// whole maxWaitTime before it looks again, which left the pipeline idle. Only a buffer still full
// after that wait pauses the topic (resumed once read() drained half of it), so heartbeats and
// rebalances are held up by at most that wait. Fetches ask for at most 128 KiB per partition, so
// one response (decoded all at once by kafkajs) cannot overshoot the budget by tens of thousands
// of records.
// Read-ahead size: kafkajs sends the next fetch only after eachBatch accepted every batch of the
// previous response, and a fetch takes 100–200 ms on a loaded machine. With a budget smaller than
// one response (10,000 records against ~20,000 in a 16 × 256 KiB response) every fetch went out
// with the buffer full and the sink lane full, and the sink drained both long before the response
// came back: Kafka → PostgreSQL ran at 55k rows/s with the worker idle 60 % (bench/RESULTS.md,
// Run 3). The budget therefore holds several whole responses (40,000 records / 8 MiB against
// ~10,000 records / 2 MiB per 16-partition response), so a fetch is in flight while the buffer
// still feeds the sink. These are the defaults of `readAheadRecords` / `readAheadBytes`; a worker
// with a tight memory limit lowers them at some throughput (docs/operations.md, "Worker memory").
//
// Rebalances (kafkajs reports each completed join with the member's assignment): buffered records
// of revoked partitions are dropped (their new owner reads them from the committed offset), acks
// for partitions we no longer own are ignored, and records of partitions we keep are not handed
// out twice — kafkajs refetches from the committed offset after every join, so records at or below
// what we already buffered are skipped.
//
// Timeouts: see docs/adr/0005-kafka-consumer-timeouts.md (short session timeout + LeaveGroup on
// close so a restarted worker resumes within seconds, short fetch wait so close() is quick).
import type { Consumer, ConsumerCrashEvent, ConsumerGroupJoinEvent, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { KAFKA_START_OFFSETS, defaultConsumerGroup } from '@dataflow/api';
import type { KafkaStartOffset } from '@dataflow/api';
import { ConnectionError, DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import type { Message, Payload, Position } from '../../message.js';
import { decodePayload } from '../../message.js';
import type { PartitionLag, PluginContext, Source, SourceFactory } from '../../plugin.js';
import { AvroDecoder, resolveAvro } from './avro.js';
import { createKafkaClient } from './client.js';
import { resolveConnection } from './connection.js';
import type { KafkaErrorContext } from './errors.js';
import { translateKafkaError } from './errors.js';
import { LagTracker } from './lag.js';
import { partitionKey, recordToMessage } from './records.js';
import { Section } from '../config-section.js';
import { debugTimeline } from '../../runtime/debug-timeline.js';

const OWNER = 'kafka source';

/** Chosen for fast recovery after a crash (ADR 0005); the config may override them. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
export const DEFAULT_REBALANCE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_WAIT_TIME_MS = 500;
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Read-ahead defaults (readAheadRecords / readAheadBytes): several whole fetch responses, see above. */
export const DEFAULT_MAX_BUFFERED = 40_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Per-partition fetch size (kafkajs maxBytesPerPartition): bounds one fetch response's burst. */
export const MAX_BYTES_PER_PARTITION = 128 * 1024;
/** How long eachBatch waits for room in a full buffer before pausing the topic instead. */
export const FULL_BUFFER_WAIT_MS = 1000;

export interface KafkaSourceSettings {
  readonly raw: Record<string, unknown>;
  readonly startOffset: KafkaStartOffset;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxWaitTimeMs: number;
  readonly maxBytes: number;
  readonly readAheadRecords: number;
  readonly readAheadBytes: number;
}

/** Checks the parts of the config that need no I/O; connection, group, TLS, SASL and Avro are resolved at open. */
export function parseKafkaSourceConfig(config: Record<string, unknown>): KafkaSourceSettings {
  const section = new Section(config, OWNER);
  const sessionTimeoutMs = section.optionalInteger('sessionTimeoutMs', 1000) ?? DEFAULT_SESSION_TIMEOUT_MS;
  const heartbeatIntervalMs = section.optionalInteger('heartbeatIntervalMs', 100) ?? Math.min(DEFAULT_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3));
  if (heartbeatIntervalMs >= sessionTimeoutMs) throw section.fail('heartbeatIntervalMs', `must be below sessionTimeoutMs (${sessionTimeoutMs}); a third of it is usual`);
  return {
    raw: config,
    startOffset: section.optionalEnum('startOffset', KAFKA_START_OFFSETS) ?? 'earliest',
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: Math.max(DEFAULT_REBALANCE_TIMEOUT_MS, sessionTimeoutMs),
    maxWaitTimeMs: section.optionalInteger('maxWaitTimeMs', 0) ?? DEFAULT_MAX_WAIT_TIME_MS,
    maxBytes: section.optionalInteger('maxBytes', 1024) ?? DEFAULT_MAX_BYTES,
    readAheadRecords: section.optionalInteger('readAheadRecords', 100) ?? DEFAULT_MAX_BUFFERED,
    readAheadBytes: section.optionalInteger('readAheadBytes', 65536) ?? DEFAULT_MAX_BUFFERED_BYTES,
  };
}

/** Records of one fetched batch (one partition, offsets rising) not all handed out yet. */
interface Buffered {
  readonly partition: number;
  /** `<topic>/<partition>`, built once per batch. */
  readonly partitionName: string;
  readonly records: readonly KafkaMessage[];
  /** Index of the first record not handed out. */
  next: number;
}

/** Settles open(): the first join, a crash, or an abort. */
interface JoinWaiter {
  resolve(): void;
  reject(error: DataflowError): void;
}

export class KafkaSource implements Source {
  private readonly settings: KafkaSourceSettings;
  private readonly ctx: PluginContext;

  private consumer: Consumer | undefined;
  private topic = '';
  private groupId = '';
  private decoder: AvroDecoder | undefined;
  private errorContext: KafkaErrorContext = { owner: OWNER, brokers: [] };
  private closed = false;

  /** Fetched batches from `head` on; slots before it are emptied as their records are taken. */
  private queue: (Buffered | undefined)[] = [];
  private head = 0;
  /** Records in the queue not handed out yet, and their key and value bytes. */
  private buffered = 0;
  private bufferedBytes = 0;
  /** Bumped whenever buffered records are dropped, so a read that awaited knows its slice is stale. */
  private bufferEpoch = 0;
  private paused = false;

  private assigned = new Set<number>();
  /** Highest offset put in the buffer per partition (records at or below it are not buffered again). */
  private readonly fetchedUpTo = new Map<number, bigint>();
  /** Highest offset handed out by read() per partition, over every assignment since open. */
  private readonly deliveredUpTo = new Map<number, bigint>();
  /** Offset last committed per partition (the next offset to read). */
  private readonly committed = new Map<number, bigint>();
  private readonly lagTracker = new LagTracker();

  /** kafkajs is restarting the consumer after a retriable crash: commits must wait. */
  private restarting = false;
  /** kafkajs gave up: every read fails with this. */
  private failure: DataflowError | undefined;
  private wakeReader: (() => void) | undefined;
  /** eachBatch waiting for room in the buffer. */
  private wakeFetcher: (() => void) | undefined;
  private joinWaiter: JoinWaiter | undefined;

  constructor(settings: KafkaSourceSettings, ctx: PluginContext) {
    this.settings = settings;
    this.ctx = ctx;
  }

  /** The consumer group in use (after open). */
  get group(): string {
    return this.groupId;
  }

  /** Partitions currently assigned to this member (after open). */
  assignment(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    await this.release();
    this.failure = undefined;
    const section = new Section(this.settings.raw, OWNER);
    const connection = await resolveConnection(section, this.ctx.secrets);
    this.topic = connection.topic;
    this.groupId = (await section.stringOrSecret('consumerGroup', this.ctx.secrets)) ?? defaultConsumerGroup(this.ctx.flow.namespace, this.ctx.flow.name);
    this.errorContext = { owner: OWNER, brokers: connection.brokers, ...(connection.sasl === undefined ? {} : { username: connection.sasl.username }) };
    const avro = await resolveAvro(section, this.ctx.secrets);
    this.decoder = avro === undefined ? undefined : new AvroDecoder(avro);
    try {
      await this.decoder?.checkRegistry();
    } catch (error) {
      await this.release();
      throw error;
    }

    const log = this.ctx.log.child({ connector: OWNER, topic: this.topic, group: this.groupId });
    const consumer = createKafkaClient(connection, { log }).consumer({
      groupId: this.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      rebalanceTimeout: this.settings.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs,
      maxBytes: this.settings.maxBytes,
      maxBytesPerPartition: Math.min(this.settings.maxBytes, MAX_BYTES_PER_PARTITION),
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => (this.joinWaiter = { resolve, reject }));
    // A rejection nobody awaits yet (connect fails first) must not become an unhandled rejection.
    joined.catch(() => undefined);
    consumer.on(consumer.events.GROUP_JOIN, (event: ConsumerGroupJoinEvent) => this.onJoin(event));
    consumer.on(consumer.events.CRASH, (event: ConsumerCrashEvent) => this.onCrash(event));
    if (debugTimeline.enabled) this.traceFetches(consumer);
    const onAbort = (): void => this.joinWaiter?.reject(new DataflowError(ErrorCode.shutdown, `${OWNER}: open aborted`, false));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) onAbort();
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: this.settings.startOffset === 'earliest' });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.onBatch(payload),
      });
      await joined;
      log.info({ partitions: this.assignment() }, 'kafka consumer joined the group');
      debugTimeline.gauge('sourceBuffered', () => this.buffered);
    } catch (error) {
      await this.release();
      throw translateKafkaError(error, this.errorContext);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.joinWaiter = undefined;
    }
  }

  async read(max: number, signal: AbortSignal): Promise<Message[]> {
    for (;;) {
      if (this.closed) throw new Error(`${OWNER}: read after close`);
      if (this.consumer === undefined) throw new Error(`${OWNER}: read before open`);
      if (this.failure !== undefined) throw this.failure;
      if (this.buffered > 0) {
        const messages = await this.take(max);
        if (messages !== undefined) return messages;
        continue;
      }
      if (signal.aborted) return [];
      await this.waitForRecords(signal);
    }
  }

  done(): boolean {
    return false;
  }

  async ack(positions: readonly Position[]): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: ack after close`);
    const highest = new Map<number, bigint>();
    for (const position of positions) {
      const partition = this.partitionOf(position);
      if (!this.assigned.has(partition)) {
        this.ctx.log.debug({ connector: OWNER, position }, 'ignoring ack for a partition no longer assigned to this worker');
        continue;
      }
      const offset = BigInt(position.offset);
      const delivered = this.deliveredUpTo.get(partition);
      if (delivered === undefined || offset > delivered) {
        throw new Error(`${OWNER}: ack of position ${position.partition}@${position.offset}, which was never delivered`);
      }
      const current = highest.get(partition);
      if (current === undefined || offset > current) highest.set(partition, offset);
    }
    const commits: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const [partition, offset] of highest) {
      const next = offset + 1n;
      const done = this.committed.get(partition);
      if (done === undefined || next > done) commits.push({ topic: this.topic, partition, offset: next.toString() });
    }
    if (commits.length === 0) return;
    const consumer = this.consumer;
    if (consumer === undefined || this.restarting) throw new ConnectionError(`${OWNER}: the consumer is rejoining its group; the commit is retried`);
    try {
      await consumer.commitOffsets(commits);
    } catch (error) {
      throw translateKafkaError(error, this.errorContext);
    }
    for (const commit of commits) {
      // A rebalance during the commit may have revoked the partition: keep no state for it.
      if (this.assigned.has(commit.partition)) {
        this.committed.set(commit.partition, BigInt(commit.offset));
        this.lagTracker.committed(commit.partition, BigInt(commit.offset));
      }
    }
  }

  /**
   * Consumer lag per assigned partition (lag.ts). Partitions not fetched from yet are left out. While the topic is paused the watermark is that of the last
   * fetch, so the lag can read low until fetching resumes.
   */
  lag(): PartitionLag[] {
    return this.lagTracker.lags(this.topic);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeReader?.();
    await this.release();
  }

  /** Debug timeline: where a fetch's time goes (before the request, queued, on the wire, decoding after). */
  private traceFetches(consumer: Consumer): void {
    let startedAt = 0;
    let responseAt = 0;
    consumer.on(consumer.events.FETCH_START, () => (startedAt = Date.now()));
    consumer.on(consumer.events.REQUEST, (event: { payload: { apiName: string; createdAt: number; sentAt: number; pendingDuration: number; duration: number } }) => {
      const { apiName, createdAt, sentAt, pendingDuration, duration } = event.payload;
      if (apiName !== 'Fetch') return;
      debugTimeline.add('fetchPreMs', createdAt - startedAt);
      debugTimeline.add('fetchPendingMs', pendingDuration);
      debugTimeline.add('fetchNetMs', duration);
      responseAt = sentAt + duration;
    });
    consumer.on(consumer.events.FETCH, (event: { payload: { duration: number } }) => {
      debugTimeline.add('fetches');
      debugTimeline.add('fetchMs', event.payload.duration);
      debugTimeline.add('fetchPostMs', Date.now() - responseAt);
    });
  }

  // ---- kafkajs callbacks ---------------------------------------------------------------------

  private onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { partition, messages } = batch;
    if (messages.length === 0 || batch.topic !== this.topic || !this.assigned.has(partition)) return Promise.resolve();
    const last = messages[messages.length - 1] as KafkaMessage;
    this.lagTracker.fetched(partition, (messages[0] as KafkaMessage).offset, batch.highWatermark);
    const seen = this.fetchedUpTo.get(partition);
    let fresh: KafkaMessage[] = messages;
    if (seen !== undefined && BigInt((messages[0] as KafkaMessage).offset) <= seen) {
      fresh = messages.filter((record) => BigInt(record.offset) > seen);
    }
    if (fresh.length > 0) {
      this.queue.push({ partition, partitionName: partitionKey(this.topic, partition), records: fresh, next: 0 });
      this.buffered += fresh.length;
      for (const record of fresh) this.bufferedBytes += recordBytes(record);
      this.fetchedUpTo.set(partition, BigInt(last.offset));
      debugTimeline.add('fetched', fresh.length);
    }
    // Resolved = fetched: kafkajs fetches on from here. Commits happen only in ack().
    payload.resolveOffset(last.offset);
    this.wakeReader?.();
    if (this.fill() < 1) {
      this.syncPause();
      return Promise.resolve();
    }
    return this.waitForRoom().then(() => this.syncPause());
  }

  /** Until read() takes records from a full buffer (or the source is reset), at most FULL_BUFFER_WAIT_MS. */
  private waitForRoom(): Promise<void> {
    const waitStarted = performance.now();
    debugTimeline.add('fetchWaits');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        debugTimeline.add('fetchWaitTimeouts');
        this.wakeFetcher?.();
      }, FULL_BUFFER_WAIT_MS);
      this.wakeFetcher = () => {
        clearTimeout(timer);
        this.wakeFetcher = undefined;
        debugTimeline.add('fetchWaitMs', performance.now() - waitStarted);
        resolve();
      };
    });
  }

  /** How full the buffer is: the fuller of the record and byte budgets (1 = full). */
  private fill(): number {
    return Math.max(this.buffered / this.settings.readAheadRecords, this.bufferedBytes / this.settings.readAheadBytes);
  }

  private onJoin(event: ConsumerGroupJoinEvent): void {
    const next = new Set(event.payload.memberAssignment[this.topic] ?? []);
    const revoked = [...this.assigned].filter((partition) => !next.has(partition));
    this.assigned = next;
    this.restarting = false;
    if (revoked.length > 0) {
      const gone = new Set(revoked);
      const kept = (this.queue.slice(this.head) as Buffered[]).filter((entry) => !gone.has(entry.partition));
      this.queue = kept;
      this.head = 0;
      this.buffered = 0;
      this.bufferedBytes = 0;
      for (const entry of kept) {
        this.buffered += entry.records.length - entry.next;
        for (let i = entry.next; i < entry.records.length; i++) this.bufferedBytes += recordBytes(entry.records[i] as KafkaMessage);
      }
      this.bufferEpoch++;
      // deliveredUpTo is kept: records handed out before the revocation may still be acked once
      // the partition comes back, and those acks are legitimate (everything up to them was written).
      for (const partition of revoked) {
        this.fetchedUpTo.delete(partition);
        this.committed.delete(partition);
        this.lagTracker.revoke(partition);
      }
      this.ctx.log.info({ connector: OWNER, topic: this.topic, revoked, assigned: this.assignment() }, 'kafka partitions revoked by a rebalance');
    }
    this.paused = false;
    this.syncPause(true);
    this.joinWaiter?.resolve();
  }

  private onCrash(event: ConsumerCrashEvent): void {
    const { error, restart } = event.payload;
    const translated = translateKafkaError(error, this.errorContext);
    if (this.joinWaiter !== undefined) {
      // Still opening: fail open(); the runtime retries it with backoff when the error is retriable.
      this.joinWaiter.reject(translated);
      return;
    }
    if (restart) {
      this.restarting = true;
      this.ctx.log.warn({ connector: OWNER, topic: this.topic, err: translated.message }, 'kafka consumer crashed; kafkajs restarts it');
      return;
    }
    this.failure = new DataflowError(translated.code, `${OWNER}: the consumer stopped: ${translated.message}`, false, { cause: error });
    this.wakeReader?.();
  }

  // ---- buffer --------------------------------------------------------------------------------

  /** Up to `max` buffered records as messages; undefined when a rebalance dropped them meanwhile. */
  private async take(max: number): Promise<Message[] | undefined> {
    if (this.decoder !== undefined) {
      // Avro: fetch the writer schemas of these records first (the decoding itself is synchronous).
      const epoch = this.bufferEpoch;
      await this.decoder.prepare(this.peekValues(max));
      if (epoch !== this.bufferEpoch) return undefined;
    }
    const readAt = new Date();
    const messages: Message[] = [];
    while (messages.length < max && this.head < this.queue.length) {
      const entry = this.queue[this.head] as Buffered;
      const { records, partition, partitionName } = entry;
      const end = Math.min(records.length, entry.next + (max - messages.length));
      for (let i = entry.next; i < end; i++) {
        const record = records[i] as KafkaMessage;
        this.bufferedBytes -= recordBytes(record);
        messages.push(this.toMessage(partition, partitionName, record, readAt));
      }
      entry.next = end;
      // Offsets rise within a batch: the last record taken is the partition's highest so far.
      const offset = BigInt((records[end - 1] as KafkaMessage).offset);
      const delivered = this.deliveredUpTo.get(partition);
      if (delivered === undefined || offset > delivered) this.deliveredUpTo.set(partition, offset);
      if (end === records.length) {
        // Release the finished batch at once: its kafkajs records are views of a whole fetch response.
        this.queue[this.head] = undefined;
        this.head++;
      }
    }
    this.buffered -= messages.length;
    if (this.wakeFetcher !== undefined && this.fill() < 1) this.wakeFetcher();
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.syncPause();
    return messages;
  }

  /** The values of the next `max` buffered records, without taking them. */
  private peekValues(max: number): (Buffer | null)[] {
    const values: (Buffer | null)[] = [];
    for (let q = this.head; q < this.queue.length && values.length < max; q++) {
      const entry = this.queue[q] as Buffered;
      for (let i = entry.next; i < entry.records.length && values.length < max; i++) values.push((entry.records[i] as KafkaMessage).value);
    }
    return values;
  }

  private toMessage(partition: number, partitionName: string, record: KafkaMessage, readAt: Date): Message {
    const bytes = record.value;
    if (bytes === null) return recordToMessage(this.topic, partition, record, null, readAt, undefined, partitionName);
    if (this.decoder === undefined) return recordToMessage(this.topic, partition, record, decodePayload(bytes), readAt, undefined, partitionName);
    let value: Payload;
    try {
      value = this.decoder.decode(bytes);
    } catch (error) {
      const decodeError = error instanceof DataflowError ? error : new DataflowError(ErrorCode.decode, errorMessage(error), false, { cause: error });
      return recordToMessage(this.topic, partition, record, bytes, readAt, decodeError, partitionName);
    }
    return recordToMessage(this.topic, partition, record, value, readAt, undefined, partitionName);
  }

  /** Pauses the topic while the buffer is full, resumes it at half; `force` re-applies after a join. */
  private syncPause(force = false): void {
    // The fuller of the two budgets decides: pause at full, resume at half.
    const fill = this.fill();
    const shouldPause = this.paused ? fill > 0.5 : fill >= 1;
    if (shouldPause === this.paused && !force) return;
    const consumer = this.consumer;
    if (consumer === undefined) return;
    try {
      if (shouldPause) consumer.pause([{ topic: this.topic }]);
      else consumer.resume([{ topic: this.topic }]);
      this.paused = shouldPause;
    } catch (error) {
      // Between a crash and kafkajs' restart there is no group to pause; the next join re-applies.
      this.ctx.log.debug({ connector: OWNER, err: errorMessage(error) }, 'kafka consumer pause/resume deferred');
    }
  }

  private waitForRecords(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.wakeReader = undefined;
        resolve();
      };
      this.wakeReader = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private partitionOf(position: Position): number {
    const slash = position.partition.lastIndexOf('/');
    const partition = Number(position.partition.slice(slash + 1));
    if (slash < 0 || position.partition.slice(0, slash) !== this.topic || !Number.isInteger(partition) || partitionKey(this.topic, partition) !== position.partition) {
      throw new Error(`${OWNER}: ack of position ${position.partition}@${position.offset}, which this source never delivered`);
    }
    return partition;
  }

  private async release(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.decoder?.close();
    this.decoder = undefined;
    this.queue = [];
    this.head = 0;
    this.buffered = 0;
    this.bufferedBytes = 0;
    this.bufferEpoch++;
    // disconnect() waits for a running eachBatch: let it finish now.
    this.wakeFetcher?.();
    this.assigned = new Set();
    this.fetchedUpTo.clear();
    this.deliveredUpTo.clear();
    this.committed.clear();
    this.lagTracker.clear();
    this.paused = false;
    this.restarting = false;
    if (consumer === undefined) return;
    try {
      // Leaves the group (LeaveGroup), so the partitions move at once instead of after the session timeout.
      await consumer.disconnect();
    } catch (error) {
      this.ctx.log.warn({ connector: OWNER, err: errorMessage(error) }, 'kafka consumer failed to disconnect');
    }
  }
}

function recordBytes(record: KafkaMessage): number {
  return (record.value?.length ?? 0) + (record.key?.length ?? 0);
}

export const kafkaSourceFactory: SourceFactory = {
  type: 'kafka',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new KafkaSource(parseKafkaSourceConfig(config), ctx),
};
