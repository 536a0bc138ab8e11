// An in-memory Source that follows the plugin contract strictly, so pipeline tests catch runtime
// mistakes: it rejects acks of positions it never delivered or acks that go backwards in a
// partition, and records every ack. Messages are preloaded, pushed later, or both.
import type { Message, Position, Source } from '@dataflow/worker';
import { ConnectionError } from '@dataflow/worker';

export interface MemorySourceOptions {
  readonly messages?: readonly Message[];
  /** true (default): done once the preloaded messages are read. false: read waits for push() until end(). */
  readonly finite?: boolean;
  /** open() throws a retriable ConnectionError this many times first. */
  readonly failOpens?: number;
  /** open() throws this error (after the retriable failures). */
  readonly openError?: Error;
  /** read() throws a retriable ConnectionError this many times first. */
  readonly failReads?: number;
  /** Keep every acked position in `acked` (default true; benchmarks turn it off). */
  readonly recordAcks?: boolean;
}

interface PartitionLedger {
  /** Offsets handed out, in order; entries before `acked` are committed. */
  readonly delivered: string[];
  acked: number;
}

export class MemorySource implements Source {
  readonly acked: Position[] = [];
  ackCalls = 0;
  readCalls = 0;
  openCalls = 0;
  closeCalls = 0;
  /** Messages handed out by read(). */
  delivered = 0;
  /** Largest `max` a read asked for. */
  largestRequest = 0;
  private queue: Message[];
  private head = 0;
  private ended: boolean;
  private state: 'new' | 'open' | 'closed' = 'new';
  private failOpens: number;
  private failReads: number;
  private readonly openError: Error | undefined;
  private readonly recordAcks: boolean;
  private readonly ledgers = new Map<string, PartitionLedger>();
  private wake: (() => void) | undefined;

  constructor(options: MemorySourceOptions = {}) {
    this.queue = [...(options.messages ?? [])];
    this.ended = options.finite ?? true;
    this.failOpens = options.failOpens ?? 0;
    this.failReads = options.failReads ?? 0;
    this.openError = options.openError;
    this.recordAcks = options.recordAcks ?? true;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Messages not read yet. */
  get backlog(): number {
    return this.queue.length - this.head;
  }

  push(...messages: Message[]): void {
    if (this.ended) throw new Error('MemorySource: push after end()');
    for (const message of messages) this.queue.push(message);
    this.notify();
  }

  /** No more messages will come: done() turns true once the backlog is read. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  open(_signal: AbortSignal): Promise<void> {
    this.openCalls++;
    if (this.state === 'closed') return Promise.reject(new Error('MemorySource: open after close'));
    if (this.failOpens > 0) {
      this.failOpens--;
      return Promise.reject(new ConnectionError('MemorySource: simulated open failure'));
    }
    if (this.openError !== undefined) return Promise.reject(this.openError);
    this.state = 'open';
    return Promise.resolve();
  }

  async read(max: number, signal: AbortSignal): Promise<Message[]> {
    this.readCalls++;
    if (this.state !== 'open') throw new Error(`MemorySource: read while ${this.state}`);
    if (!Number.isInteger(max) || max < 1) throw new Error(`MemorySource: read(max=${max}) needs a positive integer`);
    if (max > this.largestRequest) this.largestRequest = max;
    if (this.failReads > 0) {
      this.failReads--;
      throw new ConnectionError('MemorySource: simulated read failure');
    }
    while (this.head === this.queue.length && !this.ended && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        this.wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.state !== 'open') throw new Error(`MemorySource: closed during read`);
    }
    if (signal.aborted || this.head === this.queue.length) return [];
    const end = Math.min(this.queue.length, this.head + max);
    const batch = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.noteDelivered(batch);
    return batch;
  }

  done(): boolean {
    return this.ended && this.head === this.queue.length;
  }

  ack(positions: readonly Position[]): Promise<void> {
    this.ackCalls++;
    if (this.state === 'closed') return Promise.reject(new Error('MemorySource: ack after close'));
    let ledger: PartitionLedger | undefined;
    for (const position of positions) {
      if (ledger === undefined || this.ledgers.get(position.partition) !== ledger) ledger = this.ledgers.get(position.partition);
      if (ledger === undefined) return Promise.reject(new Error(`MemorySource: ack of ${describe(position)}, a partition never delivered`));
      // Acks move forward through the delivered offsets; skipping ahead is allowed (it commits the
      // ones before), going back or acking something never delivered is not.
      const { delivered } = ledger;
      let index = ledger.acked;
      while (index < delivered.length && delivered[index] !== position.offset) index++;
      if (index === delivered.length) {
        return Promise.reject(new Error(`MemorySource: ack of ${describe(position)}, which was never delivered or is out of order`));
      }
      ledger.acked = index + 1;
      if (ledger.acked > 4096 && ledger.acked * 2 > delivered.length) {
        delivered.splice(0, ledger.acked);
        ledger.acked = 0;
      }
      if (this.recordAcks) this.acked.push(position);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.state = 'closed';
    this.notify();
    return Promise.resolve();
  }

  /** Offsets acked so far in `partition`, in order. */
  ackedOffsets(partition = 'p0'): string[] {
    return this.acked.filter((p) => p.partition === partition).map((p) => p.offset);
  }

  private noteDelivered(batch: readonly Message[]): void {
    this.delivered += batch.length;
    let partition: string | undefined;
    let ledger: PartitionLedger | undefined;
    for (const message of batch) {
      if (message.position.partition !== partition) {
        partition = message.position.partition;
        ledger = this.ledgers.get(partition);
        if (ledger === undefined) this.ledgers.set(partition, (ledger = { delivered: [], acked: 0 }));
      }
      (ledger as PartitionLedger).delivered.push(message.position.offset);
    }
  }

  private notify(): void {
    this.wake?.();
  }
}

function describe(position: Position): string {
  return `${position.partition}@${position.offset}`;
}
