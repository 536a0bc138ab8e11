// PostgreSQL polling source (upstream-reference.md §1.4.2, bugs of §9.4 item 30 fixed). Each poll
// reads the rows after the cursor (changeTrackingColumn, orderByColumn) in that order, from a table
// or from the user's query wrapped as a subquery. A poll that returns a full page is followed by
// another at once; otherwise the next poll waits pollInterval. The read cursor runs ahead in memory;
// the checkpoint follows the acks only (the runtime acks in order), is saved at most once per
// checkpointSaveIntervalMs, and is saved on close. A failed poll drops the connection and throws a
// retriable error; the runtime backs off and the next read reconnects from the same cursor.
import type { FieldDef, QueryResult } from 'pg';
import { ConfigError, errorMessage } from '../../errors.js';
import type { JsonObject, Message, MetaValue, Position } from '../../message.js';
import type { Logger, PluginContext, Source, SourceFactory } from '../../plugin.js';
import type { PostgresqlSourceSettings } from './config.js';
import { parsePostgresqlSourceConfig } from './config.js';
import { resolveValue } from '../polling/config.js';
import { CheckpointAck } from '../polling/checkpoint-ack.js';
import { DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS, PollLoop, pageLimitOf } from '../polling/poll-loop.js';
import { PgSession } from './connection.js';
import type { Cursor, CursorColumns, CursorValue, PollTarget } from './cursor.js';
import { buildPollStatement, buildProbeStatement, encodeOffset, postgresqlCursorCodec } from './cursor.js';
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
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

export class PostgresqlSource implements Source {
  private readonly settings: PostgresqlSourceSettings;
  private readonly ctx: PluginContext;
  private readonly log: Logger;
  private readonly columns: CursorColumns;
  private readonly pageLimit: number;
  private readonly connectTimeoutMs: number | undefined;
  private readonly loop: PollLoop;
  private readonly checkpoint: CheckpointAck<Cursor>;

  private connectionString = '';
  private target: PollTarget | undefined;
  /** Partition of every position, and metadata `table`. */
  private partition = '';
  private session: PgSession | undefined;
  private opened = false;
  private closed = false;

  /** Last row fetched (reading continues after it); runs ahead of the acked checkpoint. */
  private readCursor: Cursor | undefined;

  constructor(settings: PostgresqlSourceSettings, ctx: PluginContext, options: PostgresqlSourceOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.log = ctx.log.child({ connector: OWNER });
    this.columns = { changeTracking: settings.changeTrackingColumn, orderBy: settings.orderByColumn };
    this.pageLimit = pageLimitOf(settings.readBatchSize, options.pageSize);
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.loop = new PollLoop({ owner: OWNER, pageLimit: this.pageLimit, pollIntervalMs: settings.pollIntervalMs, isClosed: () => this.closed });
    this.checkpoint = new CheckpointAck({
      owner: OWNER,
      store: ctx.checkpoints,
      log: this.log,
      codec: postgresqlCursorCodec,
      saveIntervalMs: options.checkpointSaveIntervalMs ?? DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS,
    });
  }

  /** The acked position as stored in the checkpoint (for tests and status). */
  get committedCheckpoint(): Record<string, unknown> | undefined {
    return this.checkpoint.committed;
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

    if (!this.opened) this.readCursor = await this.checkpoint.load();

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
    return this.loop.read(max, signal, (s) => this.poll(s));
  }

  done(): boolean {
    return false;
  }

  ack(positions: readonly Position[]): Promise<void> {
    return this.checkpoint.ack(positions, this.partition);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.checkpoint.close();
    } finally {
      await this.dropSession();
    }
  }

  // ---- polling -------------------------------------------------------------------------------

  private async poll(signal: AbortSignal): Promise<Message[]> {
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
    return this.toMessages(result, new Date());
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
