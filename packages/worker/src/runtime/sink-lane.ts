// One sink's lane: a bounded queue (the batcher), writes with retries, and the per-record outcome
// handed back to the pipeline. Each sink — main, every route, the error sink — has its own lane.
// A lane writes one batch at a time unless its sink declares `concurrentWrites` (a connection
// per write): then up to that many batches are in flight, so the next batch is sent while the
// database still works on the previous one. Completion order does not matter for commits — the ack
// tracker releases positions in order per partition — but it matters for records that change the
// same row: a batch whose `conflictKeys` meet those of a batch in flight waits for that write
// (retries included) before it starts. One connector is never written concurrently through one
// connection (upstream wrote the same error-sink connection from several goroutines, §9.4 item 25).
import { DataflowError, ErrorCode, errorMessage } from '../errors.js';
import type { Message } from '../message.js';
import type { Logger, Sink, WriteResult } from '../plugin.js';
import type { AckTicket } from './ack-tracker.js';
import type { Batch, BatchPolicy, BatchSlice, Segment } from './batcher.js';
import { Batcher } from './batcher.js';
import { debugTimeline } from './debug-timeline.js';
import type { PipelineObserver } from './observer.js';
import type { BackoffPolicy, RetryEnv } from './retry.js';
import { withRetry } from './retry.js';

/** A sink as the pipeline runs it. */
export interface SinkBinding {
  /** `main`, a route output name (`route[0]` …) or `errors`; used in stages, metrics and logs. */
  readonly name: string;
  /** Connector type (`kafka`, `file` …). */
  readonly type: string;
  readonly sink: Sink;
  readonly batch: BatchPolicy;
}

/** A record the sink rejected, with the source position it settles. */
export interface RejectedRecord {
  readonly message: Message;
  readonly ticket: AckTicket;
  readonly origin: number;
  readonly error: DataflowError;
}

/** What a lane needs from the pipeline that runs it. */
export interface LaneHost {
  readonly observer: PipelineObserver;
  readonly log: Logger;
  readonly retryPolicy: BackoffPolicy | undefined;
  readonly retryEnv: RetryEnv | undefined;
  /** Aborted when the flow fails or the shutdown deadline passes: writes and retries stop. */
  readonly hardSignal: AbortSignal;
  now(): number;
  /** The batch is done; every entry not in `failed` was written. */
  delivered(lane: SinkLane, batch: Batch, failed: ReadonlySet<number> | undefined): void;
  /** Records the sink rejected (after `delivered`). */
  rejected(lane: SinkLane, records: readonly RejectedRecord[]): void;
  /** The flow cannot go on. */
  fatal(error: DataflowError): void;
}

/** One batch being written (retries included). */
interface InFlight {
  readonly size: number;
  /** The batch's conflict keys; undefined = conflicts with every other write. */
  readonly keys: ReadonlySet<string> | undefined;
  /** Settles (never rejects) once the write and its outcome are handled. */
  done: Promise<void>;
}

export class SinkLane {
  readonly name: string;
  readonly type: string;
  readonly sink: Sink;
  /** Back-pressure threshold: the reader waits while this lane holds this many messages. */
  readonly limit: number;
  /** Batches this lane may have in write() at once. */
  readonly maxInFlight: number;
  private readonly host: LaneHost;
  private readonly batcher: Batcher;
  private readonly inFlight = new Set<InFlight>();
  /** Messages of the batches in flight. */
  private writing = 0;
  private draining = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** The lane sleeps with an age timer: adds that do not fill a batch need not wake it. */
  private timedWait = false;
  /** Debug timeline: when the lane last went busy (a write in flight) and full (maxInFlight). */
  private busySince = 0;
  private fullSince = 0;

  constructor(binding: SinkBinding, bufferSize: number, host: LaneHost) {
    this.name = binding.name;
    this.type = binding.type;
    this.sink = binding.sink;
    this.host = host;
    this.batcher = new Batcher(binding.batch);
    this.maxInFlight = writesInFlight(binding.sink.concurrentWrites);
    // Room for every batch in flight plus the next one filling, so the reader keeps the writes fed.
    this.limit = bufferSize + binding.batch.maxSize * this.maxInFlight;
  }

  /** Messages queued or being written. */
  get occupancy(): number {
    return this.batcher.size + this.writing;
  }

  add(segment: Segment): void {
    this.batcher.add(segment, this.host.now());
    this.host.observer.queueSize(this.name, this.occupancy);
    if (!this.timedWait || this.batcher.size >= this.batcher.policy.maxSize) this.notify();
  }

  /** Write whatever is queued without waiting for batches to fill or age. */
  drain(): void {
    this.draining = true;
    this.notify();
  }

  /** Leave the loop once the writes in flight finished. */
  stop(): void {
    this.stopped = true;
    this.notify();
  }

  async run(): Promise<void> {
    while (!this.stopped && !this.host.hardSignal.aborted) {
      if (this.inFlight.size >= this.maxInFlight) {
        await this.sleep(Infinity);
        continue;
      }
      const due = this.batcher.dueInMs(this.host.now(), this.draining);
      if (due > 0) {
        await this.sleep(due);
        continue;
      }
      if (debugTimeline.enabled) this.countCut();
      const batch = this.batcher.take() as Batch;
      const keys = this.conflictKeysOf(batch);
      // Older writes of the same records finish first; nothing else is taken meanwhile, so
      // batches still start in queue order.
      for (let blocker = this.blocker(keys); blocker !== undefined && !this.host.hardSignal.aborted; blocker = this.blocker(keys)) {
        await blocker.done;
      }
      this.start(batch, keys);
    }
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight].map((entry) => entry.done));
  }

  private conflictKeysOf(batch: Batch): ReadonlySet<string> | undefined {
    if (this.maxInFlight === 1 || this.sink.conflictKeys === undefined) return NO_KEYS;
    return this.sink.conflictKeys(batch.messages);
  }

  /** The oldest write in flight that touches a record of `keys`. */
  private blocker(keys: ReadonlySet<string> | undefined): InFlight | undefined {
    for (const entry of this.inFlight) {
      if (keys === undefined || entry.keys === undefined || intersects(keys, entry.keys)) return entry;
    }
    return undefined;
  }

  private start(batch: Batch, keys: ReadonlySet<string> | undefined): void {
    const size = batch.messages.length;
    const entry: InFlight = { size, keys, done: Promise.resolve() };
    this.inFlight.add(entry);
    if (debugTimeline.enabled) this.trackBusy(true);
    this.writing += size;
    let released = false;
    // The batch leaves the lane's count before the pipeline looks at its room.
    const release = (): void => {
      if (released) return;
      released = true;
      if (debugTimeline.enabled) this.trackBusy(false);
      this.writing -= size;
      this.inFlight.delete(entry);
    };
    entry.done = this.write(batch, release)
      .catch((error: unknown) => {
        this.host.fatal(new DataflowError(ErrorCode.internal, `sink '${this.name}' (${this.type}) batch outcome failed: ${errorMessage(error)}`, false, { cause: error }));
      })
      .finally(() => {
        release();
        this.host.observer.queueSize(this.name, this.occupancy);
        this.notify();
      });
  }

  /** Debug timeline: why the next batch is cut now. */
  private countCut(): void {
    const size = Math.min(this.batcher.size, this.batcher.policy.maxSize);
    debugTimeline.add('batchRows', size);
    debugTimeline.add(this.draining ? 'cutByDrain' : size >= this.batcher.policy.maxSize ? 'cutBySize' : 'cutByAge');
  }

  /** Debug timeline: time with a write in flight, and with every write slot taken. */
  private trackBusy(starting: boolean): void {
    const now = performance.now();
    const before = this.inFlight.size + (starting ? -1 : 0);
    if (starting) {
      if (before === 0) this.busySince = now;
      if (before + 1 === this.maxInFlight) this.fullSince = now;
      return;
    }
    debugTimeline.add('writesDone');
    if (before === this.maxInFlight) debugTimeline.add('writeFullMs', now - this.fullSince);
    if (before === 1) debugTimeline.add('writeBusyMs', now - this.busySince);
  }

  private notify(): void {
    const wake = this.wake;
    if (wake === undefined) return;
    this.wake = undefined;
    wake();
  }

  /** Until `add`/`drain`/`stop` wakes the lane, or `ms` pass (Infinity: no timer). */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.timedWait = ms !== Infinity;
      this.wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.timedWait = false;
        resolve();
      };
      if (this.timedWait) timer = setTimeout(() => this.notify(), ms);
    });
  }

  private async write(batch: Batch, release: () => void): Promise<void> {
    const { hardSignal, observer, log } = this.host;
    const started = performance.now();
    let result: WriteResult;
    try {
      result = await withRetry(() => this.sink.write(batch.messages, hardSignal), {
        signal: hardSignal,
        what: `sink '${this.name}' write`,
        ...(this.host.retryPolicy === undefined ? {} : { policy: this.host.retryPolicy }),
        ...(this.host.retryEnv === undefined ? {} : { env: this.host.retryEnv }),
        onRetry: (error, retry, delayMs) => {
          observer.writeRetried(this.name, this.type, errorCode(error));
          log.warn({ sink: this.name, sinkType: this.type, retry, delayMs, err: errorMessage(error) }, 'sink write failed; retrying');
        },
      });
    } catch (error) {
      // After a fatal error or the shutdown deadline the outcome is already decided.
      if (hardSignal.aborted) return;
      const code = error instanceof DataflowError ? error.code : ErrorCode.internal;
      this.host.fatal(new DataflowError(code, `sink '${this.name}' (${this.type}) write failed: ${errorMessage(error)}`, false, { cause: error }));
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    const size = batch.messages.length;
    release();
    if (result.failed.length === 0) {
      observer.written(this.name, this.type, size, seconds);
      this.host.delivered(this, batch, undefined);
      return;
    }
    const failed = new Set<number>();
    for (const { index } of result.failed) {
      if (!Number.isInteger(index) || index < 0 || index >= size || failed.has(index)) {
        this.host.fatal(new DataflowError(ErrorCode.internal, `sink '${this.name}' (${this.type}) reported an invalid failed index ${index} for a batch of ${size}`, false));
        return;
      }
      failed.add(index);
    }
    observer.written(this.name, this.type, size - failed.size, seconds);
    this.host.delivered(this, batch, failed);
    const records: RejectedRecord[] = [];
    for (const { index, error } of [...result.failed].sort((a, b) => a.index - b.index)) {
      const [slice, offset] = sliceAt(batch.slices, index);
      const origins = slice.segment.origins;
      const at = slice.start + offset;
      records.push({
        message: batch.messages[index] as Message,
        ticket: slice.segment.ticket,
        origin: origins === null ? at : (origins[at] as number),
        error,
      });
    }
    this.host.rejected(this, records);
  }
}

const NO_KEYS: ReadonlySet<string> = new Set();

/** The sink's declared concurrency as a whole number >= 1. */
function writesInFlight(declared: number | undefined): number {
  if (declared === undefined) return 1;
  if (!Number.isInteger(declared) || declared < 1) throw new DataflowError(ErrorCode.config, `concurrentWrites must be a positive integer, got ${declared}`, false);
  return declared;
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const key of small) if (large.has(key)) return true;
  return false;
}

/** The slice covering batch index `index`, and the index's offset inside it. */
function sliceAt(slices: readonly BatchSlice[], index: number): [BatchSlice, number] {
  let rest = index;
  for (const slice of slices) {
    const length = slice.end - slice.start;
    if (rest < length) return [slice, rest];
    rest -= length;
  }
  throw new RangeError(`batch index ${index} outside its slices`);
}

/** The error type the observer receives: a `DF_*` code, or `unknown`. */
export function errorCode(error: unknown): string {
  return error instanceof DataflowError ? error.code : 'unknown';
}
