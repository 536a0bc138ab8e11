// PostgreSQL polling source (upstream-reference.md §1.4.2, bugs of §9.4 item 30 fixed). Each poll
// reads the rows after the cursor (changeTrackingColumn, orderByColumn) in that order, from a table
// or from the user's query wrapped as a subquery. A poll that returns a full page is followed by
// another at once; otherwise the next poll waits pollInterval. The read cursor runs ahead in memory;
// the checkpoint follows the acks only (the runtime acks in order), is saved at most once per
// checkpointSaveIntervalMs, and is saved on close. A failed poll drops the connection and throws a
// retriable error; the runtime backs off and the next read reconnects from the same cursor.
import { setTimeout as delay } from 'node:timers/promises';
import type { FieldDef, QueryResult } from 'pg';
import { ConfigError, errorMessage } from '../../errors.js';
import type { JsonObject, Message, MetaValue, Position } from '../../message.js';
import type { Logger, PluginContext, Source, SourceFactory } from '../../plugin.js';
import type { PostgresqlSourceSettings } from './config.js';
import { parsePostgresqlSourceConfig, resolveValue } from './config.js';
import { PgSession } from './connection.js';
import type { Cursor, CursorColumns, CursorValue, PollTarget } from './cursor.js';
import { buildPollStatement, buildProbeStatement, checkpointOf, cursorFromCheckpoint, decodeOffset, encodeOffset } from './cursor.js';
import { isConnectionLoss, translatePgError } from './errors.js';
import { JSON_ROW_TYPES, toJsonValue } from './row-values.js';
import { displayName, parseQualifiedName } from './sql.js';

export interface PostgresqlSourceOptions {
  /** Least time between two checkpoint saves (default 1 s); close() always saves. */
  readonly checkpointSaveIntervalMs?: number;
  /** Rows per query when readBatchSize is 0 (default 10,000): "no limit" is read page by page, back to back. */
  readonly pageSize?: number;
  readonly connectTimeoutMs?: number;
}

const OWNER = 'postgresql source';
const DEFAULT_PAGE_SIZE = 10_000;
const DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS = 1000;
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

export class PostgresqlSource implements Source {
  private readonly settings: PostgresqlSourceSettings;
  private readonly ctx: PluginContext;
  private readonly log: Logger;
  private readonly columns: CursorColumns;
  private readonly pageLimit: number;
  private readonly saveIntervalMs: number;
  private readonly connectTimeoutMs: number | undefined;

  private connectionString = '';
  private target: PollTarget | undefined;
  /** Partition of every position, and metadata `table`. */
  private partition = '';
  private session: PgSession | undefined;
  private opened = false;
  private closed = false;

  /** Last row fetched (reading continues after it). */
  private readCursor: Cursor | undefined;
  /** Last row acked (what the checkpoint stores). */
  private ackedCursor: Cursor | undefined;
  private savedJson: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  private buffer: Message[] = [];
  private head = 0;
  private nextPollAt = 0;

  constructor(settings: PostgresqlSourceSettings, ctx: PluginContext, options: PostgresqlSourceOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.log = ctx.log.child({ connector: OWNER });
    this.columns = { changeTracking: settings.changeTrackingColumn, orderBy: settings.orderByColumn };
    this.pageLimit = settings.readBatchSize > 0 ? settings.readBatchSize : (options.pageSize ?? DEFAULT_PAGE_SIZE);
    this.saveIntervalMs = options.checkpointSaveIntervalMs ?? DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS;
    this.connectTimeoutMs = options.connectTimeoutMs;
  }

  /** The acked position as stored in the checkpoint (for tests and status). */
  get committedCheckpoint(): Record<string, unknown> | undefined {
    return this.ackedCursor === undefined ? undefined : checkpointOf(this.ackedCursor);
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    this.connectionString = await resolveValue(this.settings.connectionString, this.ctx.secrets, OWNER, 'connectionString');
    const table = this.settings.table === undefined ? undefined : await resolveValue(this.settings.table, this.ctx.secrets, OWNER, 'table');
    let tableName;
    try {
      tableName = table === undefined ? undefined : parseQualifiedName(table);
    } catch (error) {
      throw new ConfigError(`${OWNER}: config.table is invalid: ${errorMessage(error)}`);
    }
    const query = this.settings.query;
    this.target = query !== undefined ? { query } : { table: tableName as NonNullable<typeof tableName> };
    this.partition = tableName === undefined ? 'query' : displayName(tableName);

    if (!this.opened) {
      let stored;
      try {
        stored = await this.ctx.checkpoints.load();
      } catch (error) {
        throw new ConfigError(`${OWNER}: cannot load the checkpoint: ${errorMessage(error)}`, { cause: error });
      }
      const cursor = cursorFromCheckpoint(stored);
      this.readCursor = cursor;
      this.ackedCursor = cursor;
      this.savedJson = cursor === undefined ? undefined : JSON.stringify(checkpointOf(cursor));
      if (cursor !== undefined) this.log.info({ checkpoint: checkpointOf(cursor) }, 'resuming after the stored checkpoint');
    }

    const session = await this.connect(signal);
    try {
      await session.client.query(buildProbeStatement(this.target, this.columns));
    } catch (error) {
      await this.dropSession();
      const shape = this.target !== undefined && 'query' in this.target ? 'the query must run and return' : 'the table must exist and have';
      throw translatePgError(error, `${OWNER} cannot read ${this.describeTarget()}`, {
        configHint: ` — ${shape} the columns changeTrackingColumn "${this.columns.changeTracking}" and orderByColumn "${this.columns.orderBy}"`,
      });
    }
    this.opened = true;
  }

  async read(max: number, signal: AbortSignal): Promise<Message[]> {
    if (this.closed) throw new Error(`${OWNER}: read after close`);
    if (!this.opened) throw new Error(`${OWNER}: read before open`);
    for (;;) {
      if (this.head < this.buffer.length) return this.take(max);
      if (signal.aborted) return [];
      const wait = this.nextPollAt - performance.now();
      if (wait > 0) {
        await delay(wait, undefined, { signal }).catch(() => undefined);
        if (this.closed) throw new Error(`${OWNER}: closed during read`);
        continue;
      }
      await this.poll(signal);
      if (this.closed) throw new Error(`${OWNER}: closed during read`);
    }
  }

  done(): boolean {
    return false;
  }

  ack(positions: readonly Position[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${OWNER}: ack after close`));
    const last = positions.at(-1);
    if (last === undefined) return Promise.resolve();
    const cursor = last.partition === this.partition ? decodeOffset(last.offset) : undefined;
    if (cursor === undefined) return Promise.reject(new Error(`${OWNER}: ack of position ${last.partition}@${last.offset}, which this source never delivered`));
    this.ackedCursor = cursor;
    this.scheduleSave();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    try {
      await this.saving;
      await this.saveCheckpoint();
    } finally {
      await this.dropSession();
    }
  }

  // ---- polling -------------------------------------------------------------------------------

  private async poll(signal: AbortSignal): Promise<void> {
    const target = this.target as PollTarget;
    const session = await this.connect(signal);
    const statement = buildPollStatement(target, this.columns, this.readCursor, this.pageLimit);
    let result: QueryResult;
    try {
      result = await session.client.query({ text: statement.text, values: statement.values });
    } catch (error) {
      if (isConnectionLoss(error) || !session.usable) await this.dropSession();
      throw translatePgError(error, `${OWNER} cannot poll ${this.describeTarget()}`);
    }
    const readAt = new Date();
    const messages = this.toMessages(result, readAt);
    this.buffer = messages;
    this.head = 0;
    const full = result.rows.length >= this.pageLimit;
    this.nextPollAt = full ? 0 : performance.now() + this.settings.pollIntervalMs;
  }

  private toMessages(result: QueryResult, readAt: Date): Message[] {
    const fields: readonly FieldDef[] = result.fields;
    const { changeTracking, orderBy } = this.columns;
    const messages: Message[] = [];
    for (const row of result.rows as Record<string, unknown>[]) {
      const value: JsonObject = {};
      for (const field of fields) value[field.name] = toJsonValue(row[field.name]);
      const changeValue = value[changeTracking] as CursorValue;
      const orderValue = value[orderBy] as CursorValue;
      const offset = encodeOffset(changeValue, orderValue);
      messages.push({
        id: `${this.partition}@${offset}`,
        position: { partition: this.partition, offset },
        timestamp: eventTime(changeValue) ?? readAt,
        key: null,
        value,
        headers: {},
        meta: { table: this.partition, id: metaValue(orderValue) },
      });
      this.readCursor = { changeValue, orderValue };
    }
    return messages;
  }

  private take(max: number): Message[] {
    const end = Math.min(this.buffer.length, this.head + Math.max(1, max));
    const out = this.buffer.slice(this.head, end);
    this.head = end;
    if (this.head >= this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    }
    return out;
  }

  private async connect(signal: AbortSignal): Promise<PgSession> {
    if (this.closed) throw new Error(`${OWNER}: closed`);
    if (this.session?.usable === true) return this.session;
    await this.dropSession();
    const settings = {
      connectionString: this.connectionString,
      applicationName: `dataflow-${this.ctx.flow.namespace}-${this.ctx.flow.name}`,
      types: JSON_ROW_TYPES,
      ...(this.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.connectTimeoutMs }),
    };
    this.session = await PgSession.open(settings, signal, this.log, OWNER);
    return this.session;
  }

  private async dropSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  private describeTarget(): string {
    return this.target !== undefined && 'query' in this.target ? 'the query' : `table ${this.partition}`;
  }

  // ---- checkpoint ----------------------------------------------------------------------------

  private scheduleSave(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.saveCheckpoint()).catch((error: unknown) => {
        // Logged and retried with the next ack (or at close, where a failure is reported).
        this.log.warn({ err: errorMessage(error) }, 'checkpoint save failed; retrying later');
        if (!this.closed) this.scheduleSave();
      });
    }, this.saveIntervalMs);
    this.saveTimer.unref();
  }

  private async saveCheckpoint(): Promise<void> {
    const cursor = this.ackedCursor;
    if (cursor === undefined) return;
    const checkpoint = checkpointOf(cursor);
    const json = JSON.stringify(checkpoint);
    if (json === this.savedJson) return;
    await this.ctx.checkpoints.save(checkpoint);
    this.savedJson = json;
  }
}

function eventTime(value: CursorValue): Date | undefined {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function metaValue(value: CursorValue): MetaValue {
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

export const postgresqlSourceFactory: SourceFactory = {
  type: 'postgresql',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new PostgresqlSource(parsePostgresqlSourceConfig(config), ctx),
};
