// The rows of the sink benchmarks (Kafka → PostgreSQL, ClickHouse, Trino): id, category, value, ts
// and a `note` string that pads each JSON message to about 200 bytes. One definition, so every
// benchmark and its baseline load the same rows.

export const CATEGORIES = ['electronics', 'garden-and-outdoor', 'books', 'toys-and-games', 'groceries', 'sports'] as const;
export const NOTE = 'bench payload: Kafka to a database sink, one JSON object per record, padded to about two hundred bytes on the wire, like the issue asks';

export interface BenchRow {
  readonly id: number;
  readonly category: string;
  readonly value: number;
  readonly ts: number;
  readonly note: string;
}

/** Row `id`; `ts` is its produce time in epoch milliseconds (the latency runs read it back). */
export function benchRow(id: number, ts: number): BenchRow {
  return { id, category: CATEGORIES[id % CATEGORIES.length] as string, value: (id % 100_000) / 100, ts, note: NOTE };
}

/** The Kafka message value of row `id` (also a JSONEachRow line). */
export function payload(id: number, ts: number): string {
  return JSON.stringify(benchRow(id, ts));
}
