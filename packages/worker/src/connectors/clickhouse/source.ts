// ClickHouse polling source (upstream-reference.md §1.4.5). Each poll reads the rows after the cursor
// (changeTrackingColumn, orderByColumn) in that order, from a table or from the user's query wrapped
// as a subquery with the same filter. A full page is followed by another poll at once; otherwise the
// next poll waits pollInterval. The read cursor runs ahead in memory; the checkpoint follows acks
// only, is saved at most once per checkpointSaveIntervalMs and on close. A failed poll throws a
// retriable error; the runtime backs off and the next read polls again from the same cursor.
import { DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import type { JsonObject, JsonValue, Message, Position } from '../../message.js';
import type { Logger, PluginContext, Source, SourceFactory } from '../../plugin.js';
import { ClickHouseSession } from './client.js';
import type { ClickHouseSourceSettings } from './config.js';
import { parseClickHouseSourceConfig } from './config.js';
import { resolveValue } from '../polling/config.js';
import { CheckpointAck } from '../polling/checkpoint-ack.js';
import { DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS, PollLoop, pageLimitOf } from '../polling/poll-loop.js';
import type { Cursor, CursorColumns, CursorValue } from './cursor.js';
import { buildPollStatement, buildProbeStatement, clickhouseCursorCodec, encodeOffset } from './cursor.js';
import { translateClickHouseError } from './errors.js';
import { displayTable, parseTableName, quoteTable } from './sql.js';
import { supportsQueryParameters } from './version.js';

export interface ClickHouseSourceOptions {
  /** Least time between two checkpoint saves (default 1 s); close() always saves. */
  readonly checkpointSaveIntervalMs?: number;
  /** Rows per query when readBatchSize is 0 (default 10,000). */
  readonly pageSize?: number;
  readonly requestTimeoutMs?: number;
}

const OWNER = 'clickhouse source';
const CLICKHOUSE_DATE_TIME = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:?\d\d)?$/;

export class ClickHouseSource implements Source {
  private readonly settings: ClickHouseSourceSettings;
  private readonly ctx: PluginContext;
  private readonly log: Logger;
  private readonly pageLimit: number;
  private readonly requestTimeoutMs: number | undefined;
  private readonly loop: PollLoop;
  private readonly checkpoint: CheckpointAck<Cursor>;

  private session: ClickHouseSession | undefined;
  private from = '';
  private partition = '';
  private columns: CursorColumns | undefined;
  private opened = false;
  private closed = false;

  /** Last row fetched (reading continues after it); runs ahead of the acked checkpoint. */
  private readCursor: Cursor | undefined;

  constructor(settings: ClickHouseSourceSettings, ctx: PluginContext, options: ClickHouseSourceOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.log = ctx.log.child({ connector: OWNER });
    this.pageLimit = pageLimitOf(settings.readBatchSize, options.pageSize);
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.loop = new PollLoop({ owner: OWNER, pageLimit: this.pageLimit, pollIntervalMs: settings.pollIntervalMs, isClosed: () => this.closed });
    this.checkpoint = new CheckpointAck({
      owner: OWNER,
      store: ctx.checkpoints,
      log: this.log,
      codec: clickhouseCursorCodec,
      saveIntervalMs: options.checkpointSaveIntervalMs ?? DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS,
    });
  }

  /** The acked position as stored in the checkpoint (for tests and status). */
  get committedCheckpoint(): Record<string, unknown> | undefined {
    return this.checkpoint.committed;
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    const tableText = this.settings.table === undefined ? undefined : await resolveValue(this.settings.table, this.ctx.secrets, OWNER, 'table');
    let table;
    try {
      table = tableText === undefined ? undefined : parseTableName(tableText);
    } catch (error) {
      throw new DataflowError(ErrorCode.config, `${OWNER}: config.table is invalid: ${errorMessage(error)}`, false);
    }
    const query = this.settings.query;
    this.from = query !== undefined ? `(${query})` : quoteTable(table as NonNullable<typeof table>);
    this.partition = table === undefined ? 'query' : displayTable(table);

    if (!this.opened) this.readCursor = await this.checkpoint.load();

    const session = await this.connect(signal);
    const names = { changeTracking: this.settings.changeTrackingColumn, orderBy: this.settings.orderByColumn };
    let meta;
    try {
      meta = (await session.queryJson(buildProbeStatement(this.from, names), signal)).meta;
    } catch (error) {
      const translated = translateClickHouseError(error, `${OWNER} cannot read ${this.describeTarget()}`);
      if (translated.retriable) throw translated;
      throw new DataflowError(
        ErrorCode.config,
        `${translated.message} (the ${query !== undefined ? 'query' : 'table'} must exist and have the columns changeTrackingColumn "${names.changeTracking}" and orderByColumn "${names.orderBy}")`,
        false,
        { cause: error },
      );
    }
    const [changeType, orderType] = [meta[0]?.type, meta[1]?.type ?? meta[0]?.type];
    if (changeType === undefined || orderType === undefined) throw new DataflowError(ErrorCode.config, `${OWNER}: the server did not report the cursor columns' types`, false);
    this.columns = { ...names, changeType: literalType(changeType), orderType: literalType(orderType) };
    this.log.info({ server: session.version.text, queryParameters: supportsQueryParameters(session.version) }, 'connected to ClickHouse');
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
      const session = this.session;
      this.session = undefined;
      await session?.close();
    }
  }

  // ---- polling -------------------------------------------------------------------------------

  private async poll(signal: AbortSignal): Promise<Message[] | undefined> {
    const session = await this.connect(signal);
    const columns = this.columns as CursorColumns;
    const statement = buildPollStatement(this.from, columns, this.readCursor, this.pageLimit, supportsQueryParameters(session.version));
    let rows;
    try {
      rows = (await session.queryJson(statement.query, signal, statement.params)).data;
    } catch (error) {
      if (signal.aborted) return undefined;
      throw translateClickHouseError(error, `${OWNER} cannot poll ${this.describeTarget()}`);
    }
    const readAt = new Date();
    return rows.map((row) => this.toMessage(row, columns, readAt));
  }

  private toMessage(row: Record<string, unknown>, columns: CursorColumns, readAt: Date): Message {
    const value = row as JsonObject;
    const changeValue = cursorValue(value[columns.changeTracking], columns.changeTracking);
    const orderValue = cursorValue(value[columns.orderBy], columns.orderBy);
    const offset = encodeOffset(changeValue, orderValue);
    this.readCursor = { changeValue, orderValue };
    return {
      id: `${this.partition}@${offset}`,
      position: { partition: this.partition, offset },
      timestamp: eventTime(changeValue) ?? readAt,
      key: null,
      value,
      headers: {},
      meta: { table: this.partition, id: orderValue },
    };
  }

  /** The HTTP client reconnects by itself; the session is made once (it holds the server version). */
  private async connect(signal: AbortSignal): Promise<ClickHouseSession> {
    if (this.session !== undefined) return this.session;
    this.session = await ClickHouseSession.open(this.settings, this.ctx.secrets, OWNER, signal, {
      application: `dataflow-${this.ctx.flow.namespace}-${this.ctx.flow.name}`,
      ...(this.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.requestTimeoutMs }),
    });
    return this.session;
  }

  private describeTarget(): string {
    return this.settings.query !== undefined ? 'the query' : `table ${this.partition}`;
  }
}

/** The type a cursor literal is cast to: the column type without Nullable/LowCardinality wrappers. */
function literalType(type: string): string {
  let t = type.trim();
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/s.exec(t);
    if (m === null) return t;
    t = (m[1] as string).trim();
  }
}

function cursorValue(value: JsonValue | undefined, column: string): CursorValue {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new DataflowError(ErrorCode.internal, `${OWNER}: cursor column ${column} holds ${JSON.stringify(value)}, which cannot be compared`, false);
}

/** ClickHouse DateTime text (`2024-05-01 12:00:00`, the server's time zone — UTC in our set-ups). */
function eventTime(value: CursorValue): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const m = CLICKHOUSE_DATE_TIME.exec(value);
  if (m === null) return undefined;
  const date = new Date(`${m[1] as string}T${m[2] as string}${m[3] ?? 'Z'}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const clickhouseSourceFactory: SourceFactory = {
  type: 'clickhouse',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new ClickHouseSource(parseClickHouseSourceConfig(config), ctx),
};
