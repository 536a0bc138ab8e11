// An in-memory Sink for tests: records what it wrote, and can be told to misbehave — fail opens,
// throw retriable errors, reject chosen records, or hold writes until released (back-pressure).
import type { DataflowError, Message, Sink, WriteResult } from '@dataflow/worker';
import { ALL_WRITTEN, ConnectionError } from '@dataflow/worker';

export interface MemorySinkOptions {
  /** open() throws a retriable ConnectionError this many times first. */
  readonly failOpens?: number;
  /** open() throws this error (after the retriable failures). */
  readonly openError?: Error;
  /** write() throws a retriable ConnectionError this many times first. */
  readonly failWrites?: number;
  /** write() throws this error (not retriable ones make the flow stop). */
  readonly writeError?: Error;
  /** Returns an error for a record the target rejects; the rest of the batch is written. */
  readonly rejectRecord?: (message: Message) => DataflowError | undefined;
  /** Every write waits this long first. */
  readonly writeDelayMs?: number;
  /** Keep written messages and batches (default true; benchmarks turn it off). */
  readonly keepMessages?: boolean;
}

export class MemorySink implements Sink {
  /** Written batches (rejected records left out), in write order. */
  readonly batches: Message[][] = [];
  /** Written messages in write order. */
  readonly messages: Message[] = [];
  /** Records written (counted even when keepMessages is off). */
  written = 0;
  /** write() calls, failed ones included. */
  writeCalls = 0;
  /** write() calls currently running. */
  activeWrites = 0;
  maxConcurrentWrites = 0;
  openCalls = 0;
  closeCalls = 0;
  private state: 'new' | 'open' | 'closed' = 'new';
  private failOpens: number;
  private failWrites: number;
  private readonly options: MemorySinkOptions;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(options: MemorySinkOptions = {}) {
    this.options = options;
    this.failOpens = options.failOpens ?? 0;
    this.failWrites = options.failWrites ?? 0;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Payloads written, in order. */
  values(): unknown[] {
    return this.messages.map((m) => m.value);
  }

  /** Writes from now on wait until release(). */
  hold(): void {
    this.gate ??= new Promise<void>((resolve) => (this.openGate = resolve));
  }

  release(): void {
    const open = this.openGate;
    this.gate = undefined;
    this.openGate = undefined;
    open?.();
  }

  open(_signal: AbortSignal): Promise<void> {
    this.openCalls++;
    if (this.state === 'closed') return Promise.reject(new Error('MemorySink: open after close'));
    if (this.failOpens > 0) {
      this.failOpens--;
      return Promise.reject(new ConnectionError('MemorySink: simulated open failure'));
    }
    if (this.options.openError !== undefined) return Promise.reject(this.options.openError);
    this.state = 'open';
    return Promise.resolve();
  }

  async write(batch: readonly Message[], signal: AbortSignal): Promise<WriteResult> {
    this.writeCalls++;
    if (this.state !== 'open') throw new Error(`MemorySink: write while ${this.state}`);
    this.activeWrites++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.activeWrites);
    try {
      if (this.gate !== undefined) await this.gate;
      if (this.options.writeDelayMs !== undefined) await sleep(this.options.writeDelayMs, signal);
      if (this.failWrites > 0) {
        this.failWrites--;
        throw new ConnectionError('MemorySink: simulated write failure');
      }
      if (this.options.writeError !== undefined) throw this.options.writeError;
      const reject = this.options.rejectRecord;
      if (reject === undefined) {
        this.record(batch);
        return ALL_WRITTEN;
      }
      const failed: { index: number; error: DataflowError }[] = [];
      const accepted: Message[] = [];
      batch.forEach((message, index) => {
        const error = reject(message);
        if (error === undefined) accepted.push(message);
        else failed.push({ index, error });
      });
      this.record(accepted);
      return { failed };
    } finally {
      this.activeWrites--;
    }
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.state = 'closed';
    return Promise.resolve();
  }

  private record(batch: readonly Message[]): void {
    this.written += batch.length;
    if (this.options.keepMessages === false || batch.length === 0) return;
    const copy = [...batch];
    this.batches.push(copy);
    for (const message of copy) this.messages.push(message);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
