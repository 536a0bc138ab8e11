// A source that makes its messages as it is read (a million preloaded messages would hold about a
// gigabyte and turn the measurement into a garbage-collector benchmark), one partition, offsets
// 1..count. Each message is stamped with its read time; ack() turns the commit into one latency
// sample per message (read → committed), the figure the benchmark reports as p99.
import type { Message, Payload, Position, Source } from '@dataflow/worker';

const PARTITION = 'bench';

export class BenchSource implements Source {
  /** Latency of message `seq` in seconds, at index seq - 1. */
  readonly latencies: Float64Array;
  acked = 0;
  private readonly count: number;
  private readonly makePayload: (seq: number) => Payload;
  private readonly readAt: Float64Array;
  private seq = 0;

  constructor(count: number, makePayload: (seq: number) => Payload) {
    this.count = count;
    this.makePayload = makePayload;
    this.readAt = new Float64Array(count);
    this.latencies = new Float64Array(count);
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  read(max: number): Promise<Message[]> {
    const n = Math.min(max, this.count - this.seq);
    const out = new Array<Message>(n);
    const now = performance.now();
    const timestamp = new Date();
    for (let i = 0; i < n; i++) {
      const seq = ++this.seq;
      const offset = String(seq);
      this.readAt[seq - 1] = now;
      out[i] = {
        id: `${PARTITION}@${offset}`,
        position: { partition: PARTITION, offset },
        timestamp,
        key: null,
        value: this.makePayload(seq),
        headers: {},
        meta: {},
      };
    }
    return Promise.resolve(out);
  }

  done(): boolean {
    return this.seq >= this.count;
  }

  /** Positions arrive in order (the runtime's promise), so the k acked ones are the next k offsets. */
  ack(positions: readonly Position[]): Promise<void> {
    const last = positions[positions.length - 1];
    if (last === undefined) return Promise.resolve();
    const first = this.acked;
    const end = first + positions.length;
    if (last.offset !== String(end)) return Promise.reject(new Error(`bench source: ack out of order (${last.offset}, expected ${end})`));
    const now = performance.now();
    for (let i = first; i < end; i++) this.latencies[i] = (now - (this.readAt[i] as number)) / 1000;
    this.acked = end;
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
