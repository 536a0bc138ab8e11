// The streaming loop of one flow: source → decode check → transform chain → route → per-sink lanes
// (bounded, batched, retried, one or more writes in flight) → ack tracker → source.ack in order per
// partition, whatever order the writes finish in.
//
// Guarantees: every output of a source position is written, filtered or dead-lettered before the
// position is committed, and commits go out in position order per partition. A record that fails
// at any stage goes to the error sink with the exact message that failed; without an error sink
// the flow stops with an error naming the stage and position, and nothing after it is committed.
//
// Hot path: work is done per read batch (arrays, one ack ticket per partition run, one segment per
// sink), never with a promise or Map entry per message.
import { DataflowError, ErrorCode, RecordError, errorMessage } from '../errors.js';
import type { Message, Position } from '../message.js';
import type { BuiltTransform, Logger, Source } from '../plugin.js';
import type { AckTicket } from './ack-tracker.js';
import { AckTracker } from './ack-tracker.js';
import type { Batch, Segment } from './batcher.js';
import { debugTimeline } from './debug-timeline.js';
import { buildErrorRecord } from './error-sink.js';
import type { PipelineObserver } from './observer.js';
import { noopObserver } from './observer.js';
import type { BackoffPolicy, RetryEnv } from './retry.js';
import { withRetry } from './retry.js';
import { silentLogger } from './silent-logger.js';
import type { LaneHost, RejectedRecord, SinkBinding } from './sink-lane.js';
import { SinkLane, errorCode } from './sink-lane.js';

export const DEFAULT_CHANNEL_BUFFER_SIZE = 100;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;
export const DEFAULT_READ_BATCH_SIZE = 1000;
export const MAIN_SINK_NAME = 'main';
/** How often a source's `lag()` is handed to the observer. */
export const LAG_REPORT_INTERVAL_MS = 1000;

export interface PipelineOptions {
  readonly source: Source;
  /** Source connector type, for metrics and messages. */
  readonly sourceType: string;
  /** Applied in order; routers set `message.route` to one of their declared route names. */
  readonly transforms?: readonly BuiltTransform[];
  /** The main sink (name `main` by convention). */
  readonly main: SinkBinding;
  /** One binding per route declared by the transforms, named by the route's output name. */
  readonly routes?: readonly SinkBinding[];
  /** The error sink (name `errors`); without it a failed record stops the flow. */
  readonly errors?: SinkBinding;
  /** Messages a sink may hold beyond the batches it may write at once before the source waits (default 100). */
  readonly channelBufferSize?: number;
  /** Upper bound for one source.read (default 1000). */
  readonly readBatchSize?: number;
  /** After `signal` aborts: time for draining and flushing before writes are abandoned (default 25 s). */
  readonly shutdownTimeoutMs?: number;
  /** Abort = graceful shutdown: stop reading, drain, flush, ack, close, resolve. */
  readonly signal?: AbortSignal;
  readonly observer?: PipelineObserver;
  readonly log?: Logger;
  /** Backoff for retriable failures (default 200 ms ×2 up to 30 s, ±20 %). */
  readonly retryPolicy?: BackoffPolicy;
  /** Injected sleep/random for tests. */
  readonly retryEnv?: RetryEnv;
}

export interface PipelineSummary {
  /** Messages the source handed over. */
  readonly read: number;
  /** Messages written, per sink name (`main`, route names, `errors`). */
  readonly written: Readonly<Record<string, number>>;
  /** Source messages that produced no output. */
  readonly filtered: number;
  /** Error records the error sink wrote. */
  readonly deadLettered: number;
  /** Record-level failures at any stage. */
  readonly failed: number;
  /** Source positions committed. */
  readonly committed: number;
  /** Source positions read but not committed when the pipeline ended (0 after a full drain). */
  readonly uncommitted: number;
  readonly elapsedSeconds: number;
}

/** Runs a flow until the source is exhausted or `signal` aborts; rejects when the flow cannot go on. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineSummary> {
  // async: a bad option rejects the promise instead of throwing at the call.
  return new PipelineRun(options).run();
}

interface Failure {
  readonly message: Message;
  readonly origin: number;
  readonly stage: string;
  readonly error: unknown;
}

class PipelineRun implements LaneHost {
  readonly observer: PipelineObserver;
  readonly log: Logger;
  readonly retryPolicy: BackoffPolicy | undefined;
  readonly retryEnv: RetryEnv | undefined;
  readonly hardSignal: AbortSignal;

  private readonly options: PipelineOptions;
  private readonly source: Source;
  private readonly transforms: readonly BuiltTransform[];
  private readonly mainLane: SinkLane;
  private readonly routeLanes = new Map<string, SinkLane>();
  private readonly errorLane: SinkLane | undefined;
  private readonly lanes: SinkLane[];
  private readonly tracker = new AckTracker();
  private readonly hard = new AbortController();
  /** Aborted by the caller's signal or by `hard`: stop reading. */
  private readonly readSignal: AbortSignal;
  private readonly readBatchSize: number;
  private readonly shutdownTimeoutMs: number;

  private fatalError: DataflowError | undefined;
  private acking: Promise<void> | undefined;
  private wakeReader: (() => void) | undefined;
  private wakeDrained: (() => void) | undefined;
  private deadline: NodeJS.Timeout | undefined;
  /** Positions released but not acked because the shutdown deadline cut the ack loop short. */
  private pendingFinalAck: readonly Position[] | undefined;

  private readCount = 0;
  private readonly writtenCount: Record<string, number> = {};
  private filteredCount = 0;
  private deadLetteredCount = 0;
  private failedCount = 0;
  private committedCount = 0;

  constructor(options: PipelineOptions) {
    this.options = options;
    this.source = options.source;
    this.transforms = options.transforms ?? [];
    this.observer = options.observer ?? noopObserver;
    this.log = options.log ?? silentLogger;
    this.retryPolicy = options.retryPolicy;
    this.retryEnv = options.retryEnv;
    this.hardSignal = this.hard.signal;
    this.readSignal = options.signal === undefined ? this.hard.signal : AbortSignal.any([options.signal, this.hard.signal]);
    this.readBatchSize = positiveInteger(options.readBatchSize ?? DEFAULT_READ_BATCH_SIZE, 'readBatchSize');
    this.shutdownTimeoutMs = Math.max(0, options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    const bufferSize = positiveInteger(options.channelBufferSize ?? DEFAULT_CHANNEL_BUFFER_SIZE, 'channelBufferSize');

    this.mainLane = new SinkLane(options.main, bufferSize, this);
    this.lanes = [this.mainLane];
    const names = new Set([options.main.name]);
    for (const binding of options.routes ?? []) {
      if (names.has(binding.name)) throw new DataflowError(ErrorCode.config, `sink name '${binding.name}' is used twice`, false);
      names.add(binding.name);
      const lane = new SinkLane(binding, bufferSize, this);
      this.routeLanes.set(binding.name, lane);
      this.lanes.push(lane);
    }
    for (const transform of this.transforms) {
      for (const route of transform.routes ?? []) {
        if (!this.routeLanes.has(route.name)) {
          throw new DataflowError(ErrorCode.config, `route '${route.name}' of transform '${transform.type}' has no sink binding`, false);
        }
      }
    }
    if (options.errors !== undefined) {
      if (names.has(options.errors.name)) throw new DataflowError(ErrorCode.config, `sink name '${options.errors.name}' is used twice`, false);
      this.errorLane = new SinkLane(options.errors, bufferSize, this);
      this.lanes.push(this.errorLane);
    }
    for (const lane of this.lanes) this.writtenCount[lane.name] = 0;
  }

  now(): number {
    return performance.now();
  }

  async run(): Promise<PipelineSummary> {
    const started = performance.now();
    const opened = await this.openAll();
    if (opened === undefined) return this.summary(started);

    const onAbort = (): void => this.beginShutdown();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.options.signal?.aborted === true) this.beginShutdown();
    const laneRuns = this.lanes.map((lane) => lane.run());
    debugTimeline.gauge('laneQueued', () => this.mainLane.occupancy);
    debugTimeline.gauge('uncommitted', () => this.tracker.outstanding);
    const lagTimer = this.startLagReports();
    try {
      await this.readLoop();
      if (this.fatalError === undefined) {
        for (const lane of this.lanes) lane.drain();
        await this.drained();
      }
    } finally {
      this.options.signal?.removeEventListener('abort', onAbort);
      for (const lane of this.lanes) lane.stop();
      await this.within(Promise.all(laneRuns), this.shutdownTimeoutMs);
      await this.finalAcks();
      if (lagTimer !== undefined) {
        clearInterval(lagTimer);
        this.reportLag();
      }
      if (this.deadline !== undefined) clearTimeout(this.deadline);
      await this.closeAll(opened);
    }
    if (this.fatalError !== undefined) throw this.fatalError;
    return this.summary(started);
  }

  /** Polls the source's lag for the observer while the flow runs (sources without `lag()`: nothing). */
  private startLagReports(): NodeJS.Timeout | undefined {
    if (this.source.lag === undefined || this.observer.sourceLag === undefined) return undefined;
    const timer = setInterval(() => this.reportLag(), LAG_REPORT_INTERVAL_MS);
    timer.unref();
    return timer;
  }

  private reportLag(): void {
    try {
      const lags = this.source.lag?.();
      if (lags !== undefined) this.observer.sourceLag?.(lags);
    } catch (error) {
      this.log.debug({ sourceType: this.options.sourceType, err: errorMessage(error) }, 'source lag not available');
    }
  }

  // ---- start and stop ----------------------------------------------------------------------

  /** Opens every sink (main, routes, errors), then the source. undefined = aborted while opening. */
  private async openAll(): Promise<(() => Promise<void>)[] | undefined> {
    const closers: (() => Promise<void>)[] = [];
    try {
      for (const lane of this.lanes) {
        await this.openOne('sink', lane.name, lane.type, (signal) => lane.sink.open(signal));
        closers.push(() => this.closeOne('sink', lane.name, lane.type, () => lane.sink.close()));
      }
      await this.openOne('source', 'source', this.options.sourceType, (signal) => this.source.open(signal));
      closers.push(() => this.closeOne('source', 'source', this.options.sourceType, () => this.source.close()));
      return closers;
    } catch (error) {
      await this.closeAll(closers);
      // Asked to stop while still connecting: nothing was read, nothing to report.
      if (this.readSignal.aborted && error instanceof DataflowError && error.code === ErrorCode.shutdown) return undefined;
      throw error;
    }
  }

  private async openOne(role: 'source' | 'sink', name: string, type: string, open: (signal: AbortSignal) => Promise<void>): Promise<void> {
    try {
      await withRetry(() => open(this.readSignal), {
        signal: this.readSignal,
        what: `${role} '${name}' open`,
        ...this.retryOptions(),
        onRetry: (error, retry, delayMs) =>
          this.log.warn({ role, connector: name, type, retry, delayMs, err: errorMessage(error) }, `${role} failed to open; retrying`),
      });
    } catch (error) {
      if (error instanceof DataflowError && error.code === ErrorCode.shutdown) throw error;
      const code = error instanceof DataflowError ? error.code : ErrorCode.internal;
      this.observer.connection(role, name, type, false);
      throw new DataflowError(code, `${role} '${name}' (type ${type}) failed to open: ${errorMessage(error)}`, false, { cause: error });
    }
    this.observer.connection(role, name, type, true);
  }

  private async closeOne(role: 'source' | 'sink', name: string, type: string, close: () => Promise<void>): Promise<void> {
    try {
      await close();
    } catch (error) {
      this.log.warn({ role, connector: name, type, err: errorMessage(error) }, `${role} failed to close`);
    }
    this.observer.connection(role, name, type, false);
  }

  private async closeAll(closers: readonly (() => Promise<void>)[]): Promise<void> {
    // Source first (stop fetching), then sinks.
    for (const close of [...closers].reverse()) await close();
  }

  /** The caller's signal aborted: stop reading, flush everything, and give it a deadline. */
  private beginShutdown(): void {
    for (const lane of this.lanes) lane.drain();
    this.wakeReader?.();
    this.deadline ??= setTimeout(() => {
      if (this.hard.signal.aborted) return;
      this.log.warn({ uncommitted: this.tracker.outstanding, timeoutMs: this.shutdownTimeoutMs }, 'shutdown deadline passed; abandoning unwritten messages (they will be read again)');
      this.hard.abort();
      this.wakeAll();
    }, this.shutdownTimeoutMs);
  }

  fatal(error: DataflowError): void {
    if (this.fatalError !== undefined || this.hard.signal.aborted) return;
    this.fatalError = error;
    this.hard.abort();
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const lane of this.lanes) lane.stop();
    this.wakeReader?.();
    this.wakeDrained?.();
  }

  /** Resolves once every read position is committed, or when the flow is stopped hard. */
  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeDrained = resolve;
      this.checkDrained();
    });
  }

  private checkDrained(): void {
    if (this.wakeDrained === undefined) return;
    if (this.hard.signal.aborted || (this.tracker.outstanding === 0 && this.acking === undefined)) {
      const wake = this.wakeDrained;
      this.wakeDrained = undefined;
      wake();
    }
  }

  private async within(work: Promise<unknown>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  // ---- reading -----------------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    const signal = this.readSignal;
    while (!signal.aborted) {
      const room = this.room();
      if (room <= 0) {
        const blockedAt = performance.now();
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
        this.wakeReader = undefined;
        debugTimeline.add('readerBlockedMs', performance.now() - blockedAt);
        continue;
      }
      const max = Math.min(this.readBatchSize, room);
      let batch: Message[];
      try {
        batch = await withRetry(() => this.source.read(max, signal), {
          signal,
          what: 'source read',
          ...this.retryOptions(),
          onRetry: (error, retry, delayMs) =>
            this.log.warn({ sourceType: this.options.sourceType, retry, delayMs, err: errorMessage(error) }, 'source read failed; retrying'),
        });
      } catch (error) {
        if (signal.aborted) return;
        const code = error instanceof DataflowError ? error.code : ErrorCode.internal;
        this.fatal(new DataflowError(code, `source (type ${this.options.sourceType}) read failed: ${errorMessage(error)}`, false, { cause: error }));
        return;
      }
      if (batch.length > 0) this.ingest(batch);
      if (this.source.done()) return;
      // A source that returns nothing without being done or aborted must not spin the CPU.
      if (batch.length === 0 && !signal.aborted) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** How many more source messages the fullest lane accepts. */
  private room(): number {
    let room = Infinity;
    for (const lane of this.lanes) room = Math.min(room, lane.limit - lane.occupancy);
    return room;
  }

  private ingest(batch: Message[]): void {
    this.readCount += batch.length;
    this.observer.read(batch.length);
    debugTimeline.add('read', batch.length);
    const readAt = this.now();
    const partition = (batch[0] as Message).position.partition;
    let mixed = false;
    for (const message of batch) {
      if (message.position.partition !== partition) {
        mixed = true;
        break;
      }
    }
    if (!mixed) {
      this.process(partition, batch, readAt);
      return;
    }
    const groups = new Map<string, Message[]>();
    for (const message of batch) {
      const group = groups.get(message.position.partition);
      if (group === undefined) groups.set(message.position.partition, [message]);
      else group.push(message);
    }
    for (const [key, group] of groups) this.process(key, group, readAt);
  }

  /** Runs one partition's run of messages through decode check, transforms and routing. */
  private process(partition: string, inputs: Message[], readAt: number): void {
    const count = inputs.length;
    const positions = new Array<Position>(count);
    let undecodable = false;
    for (let i = 0; i < count; i++) {
      const message = inputs[i] as Message;
      positions[i] = message.position;
      if (message.decodeError !== undefined) undecodable = true;
    }
    if (this.transforms.length === 0 && !undecodable) {
      const ticket = this.tracker.track(partition, positions, new Int32Array(count).fill(1), readAt);
      this.mainLane.add({ ticket, messages: inputs, origins: null });
      return;
    }

    const failures: Failure[] = [];
    let current: Message[] = inputs;
    let origins: number[] | null = null;
    if (undecodable) {
      const kept: Message[] = [];
      const keptOrigins: number[] = [];
      for (let i = 0; i < count; i++) {
        const message = inputs[i] as Message;
        if (message.decodeError === undefined) {
          kept.push(message);
          keptOrigins.push(i);
        } else failures.push({ message, origin: i, stage: 'decode', error: message.decodeError });
      }
      current = kept;
      origins = keptOrigins;
    }

    for (let t = 0; t < this.transforms.length; t++) {
      const transform = this.transforms[t] as BuiltTransform;
      const started = performance.now();
      const out: Message[] = [];
      const outOrigins: number[] = [];
      for (let i = 0; i < current.length; i++) {
        const message = current[i] as Message;
        const origin = origins === null ? i : (origins[i] as number);
        let produced: Message[];
        try {
          produced = transform.apply(message);
        } catch (error) {
          failures.push({ message, origin, stage: `transform:${t}:${transform.type}`, error });
          continue;
        }
        for (const child of produced) {
          out.push(child);
          outOrigins.push(origin);
        }
      }
      this.observer.transformed(t, transform.type, current.length, out.length, (performance.now() - started) / 1000);
      current = out;
      origins = outOrigins;
    }

    // Route and count the outputs of every position.
    const pending = new Int32Array(count);
    const bound = new Map<SinkLane, { messages: Message[]; origins: number[] }>();
    for (let i = 0; i < current.length; i++) {
      const message = current[i] as Message;
      const origin = origins === null ? i : (origins[i] as number);
      const lane = message.route === undefined ? this.mainLane : this.routeLanes.get(message.route);
      if (lane === undefined) {
        const error = new RecordError(`message routed to '${message.route}', which is not a declared route`, { code: ErrorCode.route });
        failures.push({ message, origin, stage: 'route', error });
        continue;
      }
      let target = bound.get(lane);
      if (target === undefined) bound.set(lane, (target = { messages: [], origins: [] }));
      target.messages.push(message);
      target.origins.push(origin);
      pending[origin] = (pending[origin] as number) + 1;
    }
    for (const failure of failures) pending[failure.origin] = (pending[failure.origin] as number) + 1;
    let filtered = 0;
    for (let i = 0; i < count; i++) if (pending[i] === 0) filtered++;
    if (filtered > 0) {
      this.filteredCount += filtered;
      this.observer.filtered(filtered);
    }

    const ticket = this.tracker.track(partition, positions, pending, readAt);
    for (const [lane, target] of bound) lane.add({ ticket, messages: target.messages, origins: target.origins });
    if (failures.length > 0) this.recordFailures(ticket, failures, this.mainLane.type);
    if (filtered > 0) this.pumpAcks();
  }

  // ---- outcomes ----------------------------------------------------------------------------

  delivered(lane: SinkLane, batch: Batch, failed: ReadonlySet<number> | undefined): void {
    const written = batch.messages.length - (failed?.size ?? 0);
    this.writtenCount[lane.name] = (this.writtenCount[lane.name] ?? 0) + written;
    if (lane === this.errorLane) {
      this.deadLetteredCount += written;
      if (written > 0) this.observer.deadLettered(written);
    }
    let offset = 0;
    for (const slice of batch.slices) {
      const length = slice.end - slice.start;
      let skip: Set<number> | undefined;
      if (failed !== undefined) {
        for (let k = 0; k < length; k++) {
          if (failed.has(offset + k)) (skip ??= new Set()).add(slice.start + k);
        }
      }
      this.tracker.settleRange(slice.segment.ticket, slice.segment.origins, slice.start, slice.end, skip);
      offset += length;
    }
    this.pumpAcks();
    if (this.wakeReader !== undefined && this.room() > 0) this.wakeReader();
  }

  rejected(lane: SinkLane, records: readonly RejectedRecord[]): void {
    const stage = `sink:${lane.name}`;
    if (lane === this.errorLane) {
      const first = records[0] as RejectedRecord;
      this.failedCount += records.length;
      this.observer.recordFailed(stage, errorCode(first.error), records.length);
      this.fatal(
        new DataflowError(
          ErrorCode.unprocessable,
          `the error sink rejected the error record at position ${describe(first.message.position)}: ${errorMessage(first.error)}`,
          false,
          { cause: first.error },
        ),
      );
      return;
    }
    // Records of one batch may come from several tickets: group consecutive ones.
    let start = 0;
    while (start < records.length) {
      const ticket = (records[start] as RejectedRecord).ticket;
      let end = start + 1;
      while (end < records.length && (records[end] as RejectedRecord).ticket === ticket) end++;
      const failures = records.slice(start, end).map((r) => ({ message: r.message, origin: r.origin, stage, error: r.error }));
      this.recordFailures(ticket, failures, lane.type);
      start = end;
    }
  }

  /** Dead-letters failed records, or stops the flow when there is no error sink. */
  private recordFailures(ticket: AckTicket, failures: readonly Failure[], originalSink: string): void {
    this.failedCount += failures.length;
    for (const failure of failures) this.observer.recordFailed(failure.stage, errorCode(failure.error), 1);
    if (this.errorLane === undefined) {
      const first = failures[0] as Failure;
      this.fatal(
        new DataflowError(
          ErrorCode.unprocessable,
          `record failed at stage ${first.stage} at position ${describe(first.message.position)} and no error sink is configured: ${errorMessage(first.error)}`,
          false,
          { cause: first.error },
        ),
      );
      return;
    }
    const at = new Date();
    const messages: Message[] = [];
    const origins: number[] = [];
    for (const failure of failures) {
      messages.push(buildErrorRecord(failure.message, { stage: failure.stage, error: failure.error, originalSink, at }));
      origins.push(failure.origin);
    }
    const segment: Segment = { ticket, messages, origins };
    this.errorLane.add(segment);
  }

  // ---- acks --------------------------------------------------------------------------------

  /** Sends released positions to the source, one ack call at a time (coalescing what piles up). */
  private pumpAcks(): void {
    if (this.acking !== undefined || this.hard.signal.aborted) {
      this.checkDrained();
      return;
    }
    const released = this.tracker.release();
    if (released.positions.length === 0) {
      this.checkDrained();
      return;
    }
    this.acking = this.ackLoop(released.positions, released.latencySeconds);
  }

  private async ackLoop(positions: readonly Position[], latency: readonly number[]): Promise<void> {
    let next = { positions, latencySeconds: latency };
    while (next.positions.length > 0 && !this.hard.signal.aborted) {
      const batch = next.positions;
      const ackStarted = performance.now();
      try {
        await withRetry(() => this.source.ack(batch), {
          signal: this.hard.signal,
          what: 'source ack',
          ...this.retryOptions(),
          onRetry: (error, retry, delayMs) =>
            this.log.warn({ sourceType: this.options.sourceType, retry, delayMs, err: errorMessage(error) }, 'source ack failed; retrying'),
        });
      } catch (error) {
        if (!this.hard.signal.aborted) {
          const code = error instanceof DataflowError ? error.code : ErrorCode.internal;
          this.fatal(new DataflowError(code, `source (type ${this.options.sourceType}) ack failed: ${errorMessage(error)}`, false, { cause: error }));
        } else {
          this.pendingFinalAck = batch;
        }
        break;
      }
      this.committedCount += batch.length;
      this.observer.committed(batch.length, next.latencySeconds);
      debugTimeline.add('acked', batch.length);
      debugTimeline.add('ackCalls');
      debugTimeline.add('ackMs', performance.now() - ackStarted);
      next = this.tracker.release();
    }
    this.acking = undefined;
    this.checkDrained();
  }

  /** After a graceful stop: commit whatever is fully delivered, once, without retries. */
  private async finalAcks(): Promise<void> {
    if (this.acking !== undefined) await this.within(this.acking, this.shutdownTimeoutMs);
    if (this.fatalError !== undefined) return;
    const released = this.tracker.release();
    const positions = [...(this.pendingFinalAck ?? []), ...released.positions];
    this.pendingFinalAck = undefined;
    if (positions.length === 0) return;
    try {
      await this.source.ack(positions);
      this.committedCount += positions.length;
      this.observer.committed(positions.length, released.latencySeconds);
    } catch (error) {
      this.log.warn({ sourceType: this.options.sourceType, positions: positions.length, err: errorMessage(error) }, 'final source ack failed; those messages will be read again');
    }
  }

  private retryOptions(): { policy?: BackoffPolicy; env?: RetryEnv } {
    return {
      ...(this.retryPolicy === undefined ? {} : { policy: this.retryPolicy }),
      ...(this.retryEnv === undefined ? {} : { env: this.retryEnv }),
    };
  }

  private summary(started: number): PipelineSummary {
    return {
      read: this.readCount,
      written: { ...this.writtenCount },
      filtered: this.filteredCount,
      deadLettered: this.deadLetteredCount,
      failed: this.failedCount,
      committed: this.committedCount,
      uncommitted: this.readCount - this.committedCount,
      elapsedSeconds: (performance.now() - started) / 1000,
    };
  }
}

function describe(position: Position): string {
  return `${position.partition}@${position.offset}`;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw new DataflowError(ErrorCode.config, `${field} must be a positive integer, got ${value}`, false);
  return value;
}
