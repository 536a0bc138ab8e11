// Trino sink (upstream-reference.md §1.5.3, bugs of §9 item 31 fixed). Each batch becomes one
// `INSERT INTO … SELECT * FROM UNNEST(ARRAY[…], …)` — several times faster to plan than a multi-row
// VALUES list — with every value rendered as a literal of its column's type (types read once at
// open). A value that the column cannot hold fails its record with the reason and the rest of the
// batch is written; a statement Trino rejects for its content is split in halves until the records
// that cause it are isolated and dead-lettered. Transient failures are retriable errors (the
// runtime retries the batch). upsertMode uses MERGE where the catalog's connector supports it.
// A batch whose statement would exceed Trino's default query.max-length (1,000,000 characters) is
// cut into several statements up front, run one after the other (two such statements at once ran a
// 1.5 GB coordinator out of heap in the benchmark); the records of statements that committed before
// another failed are remembered, so the runtime's retry does not write them twice.
import { ConfigError, RecordError } from '../../errors.js';
import type { DataflowError } from '../../errors.js';
import type { JsonObject, JsonValue, Message } from '../../message.js';
import { isJsonObject, isRaw, payloadText } from '../../message.js';
import type { Logger, PluginContext, Sink, SinkFactory, WriteResult } from '../../plugin.js';
import { ALL_WRITTEN } from '../../plugin.js';
import type { TrinoColumn } from './client.js';
import type { TrinoClient } from './client.js';
import type { TrinoSinkSettings } from './config.js';
import { parseTrinoSinkConfig } from './config.js';
import type { TrinoConnectionOptions } from './connect.js';
import { connectTrino } from './connect.js';
import { TrinoQueryError } from './errors.js';
import { quoteIdent, renderValue } from './literals.js';
import type { TableRef } from './table.js';
import { MERGE_CONNECTORS, catalogConnector, createTableSql, inferColumns, readColumns, tableText } from './table.js';


const OWNER = 'trino sink';
/** Trino refuses longer statements by default (query.max-length); kept below it with room to spare. */
const MAX_STATEMENT_CHARS = 990_000;
const RAW_COLUMNS: readonly TrinoColumn[] = [
  { name: 'data', type: 'varchar' },
  { name: '_metadata', type: 'varchar' },
];

/** One record ready to write: its literal per column, by column name. */
interface PreparedRow {
  readonly index: number;
  readonly literals: Map<string, string>;
  readonly key?: string;
}

export class TrinoSink implements Sink {
  private readonly settings: TrinoSinkSettings;
  private readonly ctx: PluginContext;
  private readonly options: TrinoConnectionOptions;
  private readonly log: Logger;
  private client: TrinoClient | undefined;
  private ref: TableRef | undefined;
  /** undefined until the table exists (autoCreateTable creates it from the first batch). */
  private columns: readonly TrinoColumn[] | undefined;
  private readonly ignoredKeys = new Set<string>();
  /** Message ids of the current batch whose statement committed before another statement failed. */
  private committedOfFailedBatch = new Set<string>();

  constructor(settings: TrinoSinkSettings, ctx: PluginContext, options: TrinoConnectionOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.options = options;
    this.log = ctx.log.child({ connector: OWNER });
  }

  /** Statements and HTTP requests sent so far (tests, metrics). */
  get requestCount(): number {
    return this.client?.requests ?? 0;
  }

  async open(signal: AbortSignal): Promise<void> {
    const s = this.settings;
    const secrets = this.ctx.secrets;
    await this.client?.close();
    const { client, auth, catalog, schema, table } = await connectTrino(s, secrets, OWNER, this.options);
    this.client = client;
    // The sink's table is required (parseTrinoSinkConfig), so connectTrino resolved it.
    this.ref = { catalog, schema, table: table as string };
    if (s.upsertMode) await this.checkMergeSupport(signal);
    let columns = await readColumns(this.client, this.ref, signal);
    if (columns.length === 0 && s.autoCreateTable && s.rawMode && !s.flattenMetadataColumns) {
      await this.client.query(createTableSql(this.ref, RAW_COLUMNS), `${OWNER} creating ${tableText(this.ref)}`, signal);
      columns = await readColumns(this.client, this.ref, signal);
    }
    if (columns.length === 0 && !s.autoCreateTable) {
      throw new ConfigError(`${OWNER}: table ${tableText(this.ref)} does not exist (or has no columns visible to ${auth.description}); create it or set autoCreateTable`);
    }
    this.columns = columns.length === 0 ? undefined : columns;
    if (this.columns !== undefined) this.checkConflictKey(this.columns);
  }

  async write(batch: readonly Message[], signal: AbortSignal): Promise<WriteResult> {
    const client = this.requireClient();
    const failed: { index: number; error: DataflowError }[] = [];
    const rows: { index: number; row: JsonObject }[] = [];
    batch.forEach((msg, index) => {
      if (this.committedOfFailedBatch.has(msg.id)) return;
      const row = this.rowOf(msg);
      if ('error' in row) failed.push({ index, error: new RecordError(`${OWNER}: record ${msg.id}: ${row.error}`) });
      else rows.push({ index, row: row.row });
    });
    if (rows.length === 0) {
      this.committedOfFailedBatch = new Set();
      return failed.length === 0 ? ALL_WRITTEN : { failed };
    }
    if (this.columns === undefined) await this.createFromFirstBatch(rows.map((r) => r.row), signal);
    const columns = this.columns as readonly TrinoColumn[];
    const used = this.usedColumns(columns, rows.map((r) => r.row));
    const prepared: PreparedRow[] = [];
    for (const { index, row } of rows) {
      const literals = new Map<string, string>();
      let problem: string | undefined;
      for (const column of used) {
        const rendered = renderValue(row[column.name] ?? null, column.type);
        if ('error' in rendered) {
          problem = `column ${column.name}: ${rendered.error}`;
          break;
        }
        literals.set(column.name, rendered.sql);
      }
      if (problem !== undefined) failed.push({ index, error: new RecordError(`${OWNER}: record ${(batch[index] as Message).id}: ${problem}`) });
      else prepared.push({ index, literals, ...(this.settings.upsertMode ? { key: this.conflictValue(literals) } : {}) });
    }
    // Upsert: a key already merged by a failed attempt of this batch is not merged again from an older record.
    const toWrite = this.settings.upsertMode ? lastPerKey(prepared).filter((r) => !this.committedOfFailedBatch.has(keyMarker(r.key ?? ''))) : prepared;
    for (const entry of await this.writeChunks(client, used, toWrite, batch, signal)) failed.push(entry);
    this.committedOfFailedBatch = new Set();
    failed.sort((a, b) => a.index - b.index);
    return failed.length === 0 ? ALL_WRITTEN : { failed };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  // ---- statements ------------------------------------------------------------------------------

  /** Writes the rows as statements below MAX_STATEMENT_CHARS; if one throws, the others' records are remembered. */
  private async writeChunks(
    client: TrinoClient,
    columns: readonly TrinoColumn[],
    rows: readonly PreparedRow[],
    batch: readonly Message[],
    signal: AbortSignal,
  ): Promise<{ index: number; error: DataflowError }[]> {
    const chunks = chunkByLength(rows, columns, MAX_STATEMENT_CHARS - this.statement(columns, []).length);
    const failed: { index: number; error: DataflowError }[] = [];
    for (const chunk of chunks) {
      const rejected = await this.writeIsolating(client, columns, chunk, batch, signal);
      failed.push(...rejected);
      if (chunks.length === 1) break;
      // Only what Trino took: rejected records are written again (and rejected again) by a retry.
      const refused = new Set(rejected.map((r) => r.index));
      for (const row of chunk) {
        if (refused.has(row.index)) continue;
        this.committedOfFailedBatch.add((batch[row.index] as Message).id);
        if (row.key !== undefined) this.committedOfFailedBatch.add(keyMarker(row.key));
      }
    }
    return failed;
  }

  /** Writes rows; a content error splits the set until the failing records are found. */
  private async writeIsolating(
    client: TrinoClient,
    columns: readonly TrinoColumn[],
    rows: readonly PreparedRow[],
    batch: readonly Message[],
    signal: AbortSignal,
  ): Promise<{ index: number; error: DataflowError }[]> {
    if (rows.length === 0) return [];
    try {
      await client.query(this.statement(columns, rows), `${OWNER} ${this.settings.upsertMode ? 'merge' : 'insert'} into ${tableText(this.requireRef())}`, signal);
      return [];
    } catch (error) {
      if (!(error instanceof TrinoQueryError) || !error.isUserError) throw error;
      if (rows.length === 1) {
        const row = rows[0] as PreparedRow;
        return [{ index: row.index, error: new RecordError(`${OWNER}: record ${(batch[row.index] as Message).id} rejected by Trino: ${error.message}`, { cause: error }) }];
      }
      const half = Math.ceil(rows.length / 2);
      const first = await this.writeIsolating(client, columns, rows.slice(0, half), batch, signal);
      const second = await this.writeIsolating(client, columns, rows.slice(half), batch, signal);
      return [...first, ...second];
    }
  }

  private statement(columns: readonly TrinoColumn[], rows: readonly PreparedRow[]): string {
    const arrays = columns.map((c) => `CAST(ARRAY[${rows.map((r) => r.literals.get(c.name) ?? 'NULL').join(', ')}] AS ARRAY(${c.type}))`);
    const names = columns.map((c) => quoteIdent(c.name));
    const target = tableText(this.requireRef());
    if (!this.settings.upsertMode) return `INSERT INTO ${target} (${names.join(', ')}) SELECT * FROM UNNEST(${arrays.join(', ')})`;
    const keys = this.settings.conflictKey;
    const on = keys.map((k) => `t.${quoteIdent(k)} = s.${quoteIdent(k)}`).join(' AND ');
    const updates = columns.filter((c) => !keys.includes(c.name)).map((c) => `${quoteIdent(c.name)} = s.${quoteIdent(c.name)}`);
    const matched = updates.length === 0 ? '' : ` WHEN MATCHED THEN UPDATE SET ${updates.join(', ')}`;
    return (
      `MERGE INTO ${target} AS t USING (SELECT * FROM UNNEST(${arrays.join(', ')}) AS u(${names.join(', ')})) AS s ON (${on})` +
      `${matched} WHEN NOT MATCHED THEN INSERT (${names.join(', ')}) VALUES (${names.map((n) => `s.${n}`).join(', ')})`
    );
  }

  // ---- rows ------------------------------------------------------------------------------------

  /** The column values a message stands for (rawMode wraps the whole message). */
  private rowOf(msg: Message): { row: JsonObject } | { error: string } {
    if (!this.settings.rawMode) {
      if (isJsonObject(msg.value)) return { row: msg.value };
      return { error: `payload must be a JSON object whose keys are column names, got ${isRaw(msg.value) ? 'non-JSON bytes' : JSON.stringify(msg.value).slice(0, 60)}` };
    }
    let data: JsonValue;
    let meta: JsonValue;
    if (isJsonObject(msg.value) && 'value' in msg.value && '_metadata' in msg.value) {
      data = msg.value['value'] ?? null;
      meta = msg.value['_metadata'] ?? null;
    } else {
      data = isRaw(msg.value) ? payloadText(msg.value) : msg.value;
      meta = msg.meta;
    }
    if (!this.settings.flattenMetadataColumns) return { row: { data, _metadata: meta } };
    const row: JsonObject = { data };
    if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
      for (const [key, value] of Object.entries(meta)) row[`${this.settings.flattenMetadataColumnsPrefix}${key}`] = value;
    }
    return { row };
  }

  /** Table columns that some row sets, in table order; every column when no row sets any. */
  private usedColumns(columns: readonly TrinoColumn[], rows: readonly JsonObject[]): readonly TrinoColumn[] {
    const keys = new Set<string>();
    for (const row of rows) for (const key of Object.keys(row)) keys.add(key);
    const known = new Set(columns.map((c) => c.name));
    for (const key of keys) {
      if (!known.has(key) && !this.ignoredKeys.has(key)) {
        this.ignoredKeys.add(key);
        this.log.warn({ key, table: tableText(this.requireRef()) }, 'message key is not a column of the table; it is not written');
      }
    }
    const used = columns.filter((c) => keys.has(c.name) || (this.settings.upsertMode && this.settings.conflictKey.includes(c.name)));
    return used.length === 0 ? columns : used;
  }

  private conflictValue(literals: Map<string, string>): string {
    return JSON.stringify(this.settings.conflictKey.map((k) => literals.get(k) ?? 'NULL'));
  }

  // ---- table -----------------------------------------------------------------------------------

  private async createFromFirstBatch(rows: readonly JsonObject[], signal: AbortSignal): Promise<void> {
    const client = this.requireClient();
    const ref = this.requireRef();
    const inferred = inferColumns(rows);
    if (inferred.length === 0) throw new ConfigError(`${OWNER}: cannot create ${tableText(ref)} from the first batch: its records have no keys`);
    this.log.info({ table: tableText(ref), columns: inferred }, 'creating the table from the first batch');
    await client.query(createTableSql(ref, inferred), `${OWNER} creating ${tableText(ref)}`, signal);
    const columns = await readColumns(client, ref, signal);
    if (columns.length === 0) throw new ConfigError(`${OWNER}: ${tableText(ref)} still has no columns after CREATE TABLE`);
    this.checkConflictKey(columns);
    this.columns = columns;
  }

  private async checkMergeSupport(signal: AbortSignal): Promise<void> {
    const ref = this.requireRef();
    const connector = await catalogConnector(this.requireClient(), ref.catalog, signal);
    if (connector === undefined) throw new ConfigError(`${OWNER}: catalog ${ref.catalog} does not exist`);
    if (!MERGE_CONNECTORS.includes(connector)) {
      throw new ConfigError(
        `${OWNER}: config.upsertMode needs MERGE, which catalog ${ref.catalog} (connector ${connector}) does not support; ` +
          `use a catalog of one of: ${MERGE_CONNECTORS.join(', ')}, or turn upsertMode off`,
      );
    }
  }

  private checkConflictKey(columns: readonly TrinoColumn[]): void {
    if (!this.settings.upsertMode) return;
    const names = new Set(columns.map((c) => c.name));
    const missing = this.settings.conflictKey.filter((k) => !names.has(k));
    if (missing.length > 0) throw new ConfigError(`${OWNER}: config.conflictKey names ${missing.join(', ')}, which ${tableText(this.requireRef())} does not have`);
  }

  private requireClient(): TrinoClient {
    if (this.client === undefined) throw new Error(`${OWNER}: used before open or after close`);
    return this.client;
  }

  private requireRef(): TableRef {
    if (this.ref === undefined) throw new Error(`${OWNER}: used before open`);
    return this.ref;
  }
}

/** Entry of committedOfFailedBatch for a conflict key (message ids never start with a NUL). */
function keyMarker(key: string): string {
  return `\u0000${key}`;
}

/** Consecutive runs of rows whose literals (with separators) fit in `budget` characters; a row larger than that goes alone. */
function chunkByLength(rows: readonly PreparedRow[], columns: readonly TrinoColumn[], budget: number): PreparedRow[][] {
  const chunks: PreparedRow[][] = [];
  let current: PreparedRow[] = [];
  let length = 0;
  for (const row of rows) {
    let size = 0;
    for (const column of columns) size += (row.literals.get(column.name) ?? 'NULL').length + 2;
    if (current.length > 0 && length + size > budget) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(row);
    length += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Keeps the last record per conflict key: one MERGE source row per target row. */
function lastPerKey(rows: readonly PreparedRow[]): PreparedRow[] {
  const byKey = new Map<string, PreparedRow>();
  for (const row of rows) byKey.set(row.key ?? '', row);
  return [...byKey.values()].sort((a, b) => a.index - b.index);
}

export const trinoSinkFactory: SinkFactory = {
  type: 'trino',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new TrinoSink(parseTrinoSinkConfig(config), ctx),
};

