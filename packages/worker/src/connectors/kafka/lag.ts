// Consumer lag per partition for the `dataflow_kafka_consumer_lag` gauge: the high watermark of the
// partition's last fetch minus the offset committed (before the first commit: minus the offset the
// group resumed from, the first one fetched). Fed from each fetched batch and each commit; kept
// only for partitions assigned to this member.
import type { PartitionLag } from '../../plugin.js';

export class LagTracker {
  private readonly highWatermarks = new Map<number, number>();
  private readonly positions = new Map<number, number>();

  /** A fetched batch of `partition`: its first offset and the partition's high watermark. */
  fetched(partition: number, firstOffset: string, highWatermark: string): void {
    this.highWatermarks.set(partition, Number(highWatermark));
    if (!this.positions.has(partition)) this.positions.set(partition, Number(firstOffset));
  }

  /** `next` (the offset to read next) was committed for `partition`. */
  committed(partition: number, next: bigint): void {
    if (this.highWatermarks.has(partition)) this.positions.set(partition, Number(next));
  }

  /** The partition left this member. */
  revoke(partition: number): void {
    this.highWatermarks.delete(partition);
    this.positions.delete(partition);
  }

  clear(): void {
    this.highWatermarks.clear();
    this.positions.clear();
  }

  /** Lag of every partition fetched from, by partition number. */
  lags(topic: string): PartitionLag[] {
    const lags: PartitionLag[] = [];
    for (const [partition, highWatermark] of this.highWatermarks) {
      const position = this.positions.get(partition) ?? highWatermark;
      lags.push({ topic, partition, lag: Math.max(0, highWatermark - position) });
    }
    return lags.sort((a, b) => a.partition - b.partition);
  }
}
