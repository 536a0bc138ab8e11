// ClickHouse sink (upstream-reference.md §1.5.5, §1.5.7): one JSONEachRow INSERT per batch (the
// runtime batches by batchSize / batchFlushIntervalSeconds). Payload keys the table does not have
// are ignored (input_format_skip_unknown_fields), so a producer may add fields before the table does;
// a value the server cannot store in its column rejects the row. A rejected batch is split in halves
// until the rejected rows are isolated: those are returned as failed (dead-lettered), the rest commits.
// Failures that are not about a row (refused, timeout, overload, too many parts, 5xx) are thrown as
// retriable ConnectionErrors; the runtime retries the batch. Rows a half-finished isolation already
// committed are remembered by message id, so the retry of that batch does not write them twice; on
// servers ≥ 22.2 each insert also carries a deduplication token derived from its message ids.
import { createHash } from 'node:crypto';
import { ALL_WRITTEN } from '../../plugin.js';
import type { Logger, PluginContext, Sink, SinkFactory, WriteResult } from '../../plugin.js';
import type { ClickHouseSettings } from '@clickhouse/client';
import { DataflowError, ErrorCode, RecordError, errorMessage } from '../../errors.js';
import type { Message } from '../../message.js';
import { ClickHouseSession } from './client.js';
import type { ClickHouseSinkSettings } from './config.js';
import { parseClickHouseSinkConfig } from './config.js';
import { resolveValue } from '../polling/config.js';
import { classifyError, translateClickHouseError } from './errors.js';
import type { ColumnTypes, Row } from './rows.js';
import { columnRow, rawRow } from './rows.js';
import { displayTable, parseTableName, quoteTable, stringLiteral } from './sql.js';
import type { TableName } from './sql.js';
import { RAW_LAYOUT, createTableStatement, inferLayout } from './table.js';
import type { TableLayout } from './table.js';
import { supportsInsertDeduplicationToken } from './version.js';

export interface ClickHouseSinkOptions {
  readonly requestTimeoutMs?: number;
}

const OWNER = 'clickhouse sink';
/** Inserts remembered per table for token deduplication on non-replicated auto-created tables. */
const DEDUP_WINDOW = 1000;

interface PreparedRow {
  readonly index: number;
  readonly id: string;
  readonly row: Row;
}

type Failure = WriteResult['failed'][number];

export class ClickHouseSink implements Sink {
  private readonly settings: ClickHouseSinkSettings;
  private readonly ctx: PluginContext;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number | undefined;
  private session: ClickHouseSession | undefined;
  private table: TableName | undefined;
  private quoted = '';
  /** Column types of the table; undefined until the table exists (autoCreate creates it from the first batch). */
  private columns: Map<string, string> | undefined;
  private useToken = false;
  private opened = false;
  private closed = false;
  /** Message ids of the last batch that were committed before that batch failed as a whole. */
  private committedOfFailedBatch = new Set<string>();

  constructor(settings: ClickHouseSinkSettings, ctx: PluginContext, options: ClickHouseSinkOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.log = ctx.log.child({ connector: OWNER });
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    const tableText = await resolveValue(this.settings.table, this.ctx.secrets, OWNER, 'table');
    try {
      this.table = parseTableName(tableText);
    } catch (error) {
      throw new DataflowError(ErrorCode.config, `${OWNER}: config.table is invalid: ${errorMessage(error)}`, false);
    }
    this.quoted = quoteTable(this.table);
    this.session ??= await ClickHouseSession.open(this.settings, this.ctx.secrets, OWNER, signal, {
      application: `dataflow-${this.ctx.flow.namespace}-${this.ctx.flow.name}`,
      ...(this.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.requestTimeoutMs }),
    });
    this.useToken = supportsInsertDeduplicationToken(this.session.version);
    try {
      this.columns = await this.loadColumns(signal);
      if (this.columns === undefined && this.settings.rawMode && this.settings.autoCreateTable) await this.createTable(RAW_LAYOUT, signal);
    } catch (error) {
      throw translateClickHouseError(error, `${OWNER} cannot prepare table ${displayTable(this.table)}`);
    }
    if (this.columns === undefined && !this.settings.autoCreateTable) {
      throw new DataflowError(ErrorCode.config, `${OWNER}: table ${displayTable(this.table)} does not exist (create it, or set autoCreateTable: true)`, false);
    }
    if (this.columns !== undefined && this.settings.rawMode) {
      for (const needed of ['data', '_metadata']) {
        if (!this.columns.has(needed)) throw new DataflowError(ErrorCode.config, `${OWNER}: rawMode needs a String column ${needed} in table ${displayTable(this.table)}`, false);
      }
    }
    this.log.info({ server: this.session.version.text, dedupToken: this.useToken, table: displayTable(this.table) }, 'connected to ClickHouse');
    this.opened = true;
  }

  async write(batch: readonly Message[], signal: AbortSignal): Promise<WriteResult> {
    if (this.closed) throw new Error(`${OWNER}: write after close`);
    if (!this.opened) throw new Error(`${OWNER}: write before open`);
    let failed: Failure[] = [];
    let rows = this.prepare(batch, failed);
    if (rows.length > 0 && this.columns === undefined) {
      await this.createFromRows(rows, signal);
      // Prepared again with the new column types (booleans into UInt8 as 0/1).
      failed = [];
      rows = this.prepare(batch, failed);
    }
    if (rows.length > 0) failed.push(...(await this.insertIsolating(rows, signal)));
    this.committedOfFailedBatch = new Set();
    if (failed.length === 0) return ALL_WRITTEN;
    failed.sort((a, b) => a.index - b.index);
    return { failed };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  /** Rows of the messages not yet committed; payloads that cannot be rows go to `failed`. */
  private prepare(batch: readonly Message[], failed: Failure[]): PreparedRow[] {
    const rows: PreparedRow[] = [];
    const types: ColumnTypes = this.columns ?? new Map<string, string>();
    batch.forEach((message, index) => {
      if (this.committedOfFailedBatch.has(message.id)) return;
      try {
        rows.push({ index, id: message.id, row: this.settings.rawMode ? rawRow(message) : columnRow(message, types) });
      } catch (error) {
        failed.push({ index, error: error instanceof DataflowError ? error : new RecordError(errorMessage(error), { cause: error }) });
      }
    });
    return rows;
  }

  // ---- inserts -------------------------------------------------------------------------------

  /** Inserts all rows; on a row-level rejection inserts each half separately, recursively. */
  private async insertIsolating(rows: readonly PreparedRow[], signal: AbortSignal, whole = true): Promise<Failure[]> {
    try {
      await this.insert(rows, signal);
      // Only a part of the batch can be followed by a failure of the rest (the whole batch ends the write).
      if (!whole) for (const r of rows) this.committedOfFailedBatch.add(r.id);
      return [];
    } catch (error) {
      const kind = classifyError(error);
      const translated = translateClickHouseError(error, `${OWNER} cannot insert into ${displayTable(this.table as TableName)}`);
      if (kind !== 'record') throw translated;
      if (rows.length === 1) return [{ index: (rows[0] as PreparedRow).index, error: new RecordError(`${translated.message} (message ${(rows[0] as PreparedRow).id})`, { cause: error }) }];
      const middle = Math.ceil(rows.length / 2);
      const first = await this.insertIsolating(rows.slice(0, middle), signal, false);
      const second = await this.insertIsolating(rows.slice(middle), signal, false);
      return [...first, ...second];
    }
  }

  private async insert(rows: readonly PreparedRow[], signal: AbortSignal): Promise<void> {
    const settings: ClickHouseSettings = { date_time_input_format: 'best_effort', input_format_skip_unknown_fields: 1 };
    if (this.useToken) settings.insert_deduplication_token = dedupToken(rows);
    await (this.session as ClickHouseSession).insertJsonEachRow(this.quoted, rows.map((r) => r.row), settings, signal);
  }

  // ---- table ---------------------------------------------------------------------------------

  private async loadColumns(signal: AbortSignal): Promise<Map<string, string> | undefined> {
    const table = this.table as TableName;
    const database = table.database === undefined ? 'currentDatabase()' : stringLiteral(table.database);
    const result = await (this.session as ClickHouseSession).queryJson(
      `SELECT name, type FROM system.columns WHERE database = ${database} AND table = ${stringLiteral(table.table)}`,
      signal,
    );
    if (result.data.length === 0) return undefined;
    return new Map(result.data.map((r) => [String(r['name']), String(r['type'])]));
  }

  private async createFromRows(rows: readonly PreparedRow[], signal: AbortSignal): Promise<void> {
    const s = this.settings;
    const layout = inferLayout(rows.map((r) => r.row), s.conflictKey, s.conflictKeyExplicit || s.upsertMode, s.replacingVersionColumn);
    try {
      await this.createTable(layout, signal);
    } catch (error) {
      throw translateClickHouseError(error, `${OWNER} cannot create table ${displayTable(this.table as TableName)}`);
    }
    this.log.info({ table: displayTable(this.table as TableName), columns: layout.columns, orderBy: layout.orderBy }, 'created the table from the first batch');
  }

  private async createTable(layout: TableLayout, signal: AbortSignal): Promise<void> {
    const s = this.settings;
    const statement = createTableStatement(this.quoted, layout, {
      engine: s.tableEngine,
      ...(s.replacingVersionColumn === undefined ? {} : { versionColumn: s.replacingVersionColumn }),
      ...(this.useToken ? { dedupWindow: DEDUP_WINDOW } : {}),
    });
    const session = this.session as ClickHouseSession;
    await session.command(statement, signal);
    this.columns = (await this.loadColumns(signal)) ?? new Map(layout.columns.map((c) => [c.name, c.type]));
  }
}

/** Same rows → same token, so a retried insert of them is dropped by the server. */
function dedupToken(rows: readonly PreparedRow[]): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(r.id).update('\n');
  return hash.digest('hex');
}

export const clickhouseSinkFactory: SinkFactory = {
  type: 'clickhouse',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new ClickHouseSink(parseClickHouseSinkConfig(config), ctx),
};
