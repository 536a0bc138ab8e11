// Shared pieces of the Kafka → Trino failure tests: the sink config (memory catalog, or the pg
// catalog whose tables live in the test PostgreSQL and survive a Trino restart), the flow spec,
// row counts per table, and the tables made for a test and dropped after it.
import type { DataFlowSpec } from '@dataflow/api';
import { waitFor } from '../wait-for.js';
import { SINK_BATCH_SIZE, kafkaBrokers } from './failure-harness.js';
import { sql } from './postgresql-helpers.js';
import { services, trinoRows, uniqueTable } from './trino-helpers.js';

/** A table of the failure tests, {id, category, value, ts}, in one of the two catalogs. */
export interface Where {
  readonly catalog: 'memory' | 'pg';
  readonly table: string;
}

export function sinkConfig(where: Where, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serverURL: services.trinoUrl,
    user: 'ci',
    catalog: where.catalog,
    schema: where.catalog === 'memory' ? 'default' : 'public',
    table: where.table,
    batchSize: SINK_BATCH_SIZE,
    batchFlushIntervalSeconds: 0.2,
    ...extra,
  };
}

export function flowSpec(topic: string, sink: Record<string, unknown>, extra: Partial<DataFlowSpec> = {}): DataFlowSpec {
  return { source: { type: 'kafka', config: { brokers: kafkaBrokers(), topic, startOffset: 'earliest' } }, sink: { type: 'trino', config: sink }, ...extra };
}

/** Rows and distinct ids; pg tables are counted in PostgreSQL itself (no Trino needed). */
export async function rowStats(where: Where): Promise<{ rows: number; ids: number }> {
  if (where.catalog === 'pg') {
    const [row] = await sql<{ rows: number; ids: number }>(`SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM ${where.table}`);
    return row ?? { rows: -1, ids: -1 };
  }
  const [row] = await trinoRows(`SELECT count(*), count(DISTINCT id) FROM memory.default.${where.table}`);
  return { rows: Number(row?.[0] ?? -1), ids: Number(row?.[1] ?? -1) };
}

/** Waits until the table holds every id in [0, n); the timeout error says how far it got. */
export async function waitForAllIds(where: Where, n: number, timeoutMs: number, what: string): Promise<void> {
  let last = { rows: 0, ids: 0 };
  try {
    await waitFor(async () => (last = await rowStats(where).catch(() => last)).ids >= n, { timeoutMs, intervalMs: 300, what });
  } catch (error) {
    throw new Error(`${(error as Error).message} (${last.ids} of ${n} ids, ${last.rows} rows)`, { cause: error });
  }
}

/** Tables made by one test file; drop() removes them all. */
export class TrinoTestTables {
  readonly memoryNames: string[] = [];
  readonly pgNames: string[] = [];

  async memory(prefix: string): Promise<Where> {
    const table = uniqueTable(prefix);
    this.memoryNames.push(table);
    await trinoRows(`CREATE TABLE memory.default.${table} (id bigint, category varchar, value double, ts bigint)`);
    return { catalog: 'memory', table };
  }

  /** A PostgreSQL table, written through Trino's pg catalog (MERGE needs the primary key). */
  async pg(prefix: string, primaryKey: boolean): Promise<Where> {
    const table = uniqueTable(prefix).toLowerCase();
    this.pgNames.push(table);
    await sql(`CREATE TABLE ${table} (id bigint${primaryKey ? ' PRIMARY KEY' : ''}, category varchar, value double precision, ts bigint)`);
    return { catalog: 'pg', table };
  }

  async drop(): Promise<void> {
    for (const table of this.memoryNames) await trinoRows(`DROP TABLE IF EXISTS memory.default.${table}`).catch(() => undefined);
    if (this.pgNames.length > 0) await sql(`DROP TABLE IF EXISTS ${this.pgNames.join(', ')}`);
  }
}
