// Decides when a source position may be committed. Every position carries a tally of the outputs
// still outstanding (flatten children, route copies, error-sink records); a position is released
// only when its tally reaches zero AND every earlier position of its partition was released, so a
// commit never skips past an unwritten message (upstream committed on the first derived write and
// across routes out of order, upstream-reference.md §9.4 item 27).
//
// Positions are tracked in tickets: one ticket per run of consecutive positions of one partition
// read together, with the tallies in an Int32Array. That keeps the cost per read batch, not per
// message (no Map entry or object per position).
import type { Position } from '../message.js';

/** A run of consecutive positions of one partition, in read order. */
export class AckTicket {
  readonly partition: string;
  readonly positions: readonly Position[];
  /** Outputs still outstanding per position; 0 = every output written, filtered or dead-lettered. */
  readonly pending: Int32Array;
  /** When the run was read (ms, the tracker's clock): the start of end-to-end latency. */
  readonly readAtMs: number;
  /** Index of the first position not released yet. */
  head = 0;

  constructor(partition: string, positions: readonly Position[], pending: Int32Array, readAtMs: number) {
    this.partition = partition;
    this.positions = positions;
    this.pending = pending;
    this.readAtMs = readAtMs;
  }
}

/** What one `release()` call freed: positions in order per partition, grouped by partition. */
export interface Released {
  readonly positions: readonly Position[];
  /** One latency sample per released run (seconds from read to release), not per message. */
  readonly latencySeconds: readonly number[];
}

const NOTHING_RELEASED: Released = Object.freeze({ positions: Object.freeze([]), latencySeconds: [] });

export class AckTracker {
  /** Per partition, the tickets not fully released yet, oldest first. */
  private readonly queues = new Map<string, AckTicket[]>();
  /** Partitions whose head may have become releasable since the last release(). */
  private readonly dirty = new Set<string>();
  private unreleased = 0;
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Positions tracked but not released yet. */
  get outstanding(): number {
    return this.unreleased;
  }

  /**
   * Registers positions of one partition in read order with the number of outputs each produced
   * (0 = filtered: released as soon as everything before it is). Calls for one partition must
   * come in read order. `outputs` is kept and counted down in place.
   */
  track(partition: string, positions: readonly Position[], outputs: Int32Array, readAtMs = this.now()): AckTicket {
    if (outputs.length !== positions.length) {
      throw new RangeError(`ack tracker: ${positions.length} positions but ${outputs.length} output counts`);
    }
    const ticket = new AckTicket(partition, positions, outputs, readAtMs);
    if (positions.length === 0) return ticket;
    const queue = this.queues.get(partition);
    if (queue === undefined) this.queues.set(partition, [ticket]);
    else queue.push(ticket);
    this.unreleased += positions.length;
    this.dirty.add(partition);
    return ticket;
  }

  /** Convenience for a single position (tests, slow paths). */
  trackOne(position: Position, outputs: number): AckTicket {
    return this.track(position.partition, [position], Int32Array.of(outputs));
  }

  /** One output of `ticket.positions[index]` reached its end (written, filtered or dead-lettered). */
  settle(ticket: AckTicket, index: number, count = 1): void {
    const left = (ticket.pending[index] ?? 0) - count;
    if (left < 0) throw new RangeError(`ack tracker: position ${describe(ticket, index)} settled more often than it has outputs`);
    ticket.pending[index] = left;
    if (left === 0) this.dirty.add(ticket.partition);
  }

  /**
   * Settles one output for each entry `start..end-1` of a segment whose entry i came from
   * `ticket.positions[origins[i]]` (`origins` null: entry i came from position i).
   */
  settleRange(ticket: AckTicket, origins: readonly number[] | null, start: number, end: number, skip?: ReadonlySet<number>): void {
    const pending = ticket.pending;
    for (let i = start; i < end; i++) {
      if (skip?.has(i) === true) continue;
      const index = origins === null ? i : (origins[i] as number);
      const left = (pending[index] ?? 0) - 1;
      if (left < 0) throw new RangeError(`ack tracker: position ${describe(ticket, index)} settled more often than it has outputs`);
      pending[index] = left;
    }
    this.dirty.add(ticket.partition);
  }

  /** Takes every position that is now committable, in order per partition. */
  release(): Released {
    if (this.dirty.size === 0) return NOTHING_RELEASED;
    const runs: (readonly Position[])[] = [];
    const latencySeconds: number[] = [];
    const now = this.now();
    for (const partition of this.dirty) {
      const queue = this.queues.get(partition);
      if (queue === undefined) continue;
      while (queue.length > 0) {
        const ticket = queue[0] as AckTicket;
        const from = ticket.head;
        const pending = ticket.pending;
        let to = from;
        while (to < pending.length && pending[to] === 0) to++;
        if (to > from) {
          const run = from === 0 && to === ticket.positions.length ? ticket.positions : ticket.positions.slice(from, to);
          runs.push(run);
          ticket.head = to;
          this.unreleased -= to - from;
          latencySeconds.push((now - ticket.readAtMs) / 1000);
        }
        if (to < pending.length) break;
        queue.shift();
      }
      if (queue.length === 0) this.queues.delete(partition);
    }
    this.dirty.clear();
    if (runs.length === 0) return NOTHING_RELEASED;
    return { positions: runs.length === 1 ? (runs[0] as readonly Position[]) : runs.flat(), latencySeconds };
  }
}

function describe(ticket: AckTicket, index: number): string {
  const p = ticket.positions[index];
  return p === undefined ? `${ticket.partition}[${index}]` : `${p.partition}@${p.offset}`;
}
