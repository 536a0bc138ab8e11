// A per-second flow-control timeline for diagnosing stalls (DATAFLOW_DEBUG_TIMELINE=1): counters
// the source, the pipeline and the sink lanes bump on their hot paths, printed as one JSON line to
// stderr every second and reset. Off by default: then every bump is a branch on a constant and
// nothing is printed. Gauges (buffered, in flight) are sampled at print time from registered probes.

/** Counters summed over one second. */
interface Counters {
  /** Records the source put in its buffer (kafka: fetched). */
  fetched: number;
  /** Fetch requests the Kafka client made and the milliseconds they took (request to response). */
  fetches: number;
  fetchMs: number;
  /** Of fetchMs, the milliseconds from sending the fetch request to its response (broker + network). */
  fetchNetMs: number;
  /** Of fetchMs: before the request was queued, queued before it was sent, after its response. */
  fetchPreMs: number;
  fetchPendingMs: number;
  fetchPostMs: number;
  /** eachBatch calls that found the buffer full and waited. */
  fetchWaits: number;
  /** Of those, how many were released by the timeout instead of by room. */
  fetchWaitTimeouts: number;
  /** Milliseconds the source's fetch callback spent waiting for room. */
  fetchWaitMs: number;
  /** Messages the pipeline read from the source. */
  read: number;
  /** Milliseconds the read loop waited for room in the sink lanes. */
  readerBlockedMs: number;
  /** Batches cut by size, by age, while draining, and their messages. */
  cutBySize: number;
  cutByAge: number;
  cutByDrain: number;
  batchRows: number;
  writesDone: number;
  /** Milliseconds with at least one write in flight (main lane and others summed per lane). */
  writeBusyMs: number;
  /** Milliseconds with as many writes in flight as the lane allows. */
  writeFullMs: number;
  /** Positions released by the ack tracker and source.ack calls (commits). */
  acked: number;
  ackCalls: number;
  ackMs: number;
}

function zero(): Counters {
  return {
    fetched: 0,
    fetches: 0,
    fetchMs: 0,
    fetchNetMs: 0,
    fetchPreMs: 0,
    fetchPendingMs: 0,
    fetchPostMs: 0,
    fetchWaits: 0,
    fetchWaitTimeouts: 0,
    fetchWaitMs: 0,
    read: 0,
    readerBlockedMs: 0,
    cutBySize: 0,
    cutByAge: 0,
    cutByDrain: 0,
    batchRows: 0,
    writesDone: 0,
    writeBusyMs: 0,
    writeFullMs: 0,
    acked: 0,
    ackCalls: 0,
    ackMs: 0,
  };
}

class DebugTimeline {
  readonly enabled = process.env['DATAFLOW_DEBUG_TIMELINE'] === '1';
  readonly counts: Counters = zero();
  private readonly gauges = new Map<string, () => number>();
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  /** Adds `value` to a counter (no-op unless enabled). */
  add(name: keyof Counters, value = 1): void {
    if (this.enabled) this.counts[name] += value;
  }

  /** A value sampled at every print (e.g. records buffered); replaces one of the same name. */
  gauge(name: string, probe: () => number): void {
    if (!this.enabled) return;
    this.gauges.set(name, probe);
    if (this.timer !== undefined) return;
    this.started = performance.now();
    this.timer = setInterval(() => this.print(), 1000);
    this.timer.unref();
  }

  private print(): void {
    const line: Record<string, number> = { t: Math.round((performance.now() - this.started) / 100) / 10 };
    for (const [name, value] of Object.entries(this.counts) as [keyof Counters, number][]) {
      line[name] = Math.round(value);
      this.counts[name] = 0;
    }
    for (const [name, probe] of this.gauges) line[name] = probe();
    process.stderr.write(`dataflow-timeline ${JSON.stringify(line)}\n`);
  }
}

/** The process-wide timeline. */
export const debugTimeline = new DebugTimeline();
