// Trino polling source (upstream-reference.md §1.4.4, bugs of §9 items 30 and 31 fixed). Each poll
// reads the rows after the cursor (changeTrackingColumn, orderByColumn) in that order, from a table
// or from the user's query wrapped as a subquery — no `id` column is assumed. Cursor values go into
// the SQL as literals of their column's type (read at open). A full page is followed by the next
// poll at once; otherwise the next poll waits pollInterval. The read cursor runs ahead in memory;
// the checkpoint follows ack() only, is saved at most once per second and on close. close() and an
// aborted read cancel the running statement on the server.
import { ConfigError, DataflowError, ErrorCode } from '../../errors.js';
import type { JsonObject, Message, MetaValue, Position } from '../../message.js';
import type { Checkpoint, Logger, PluginContext, Source, SourceFactory } from '../../plugin.js';
import type { TrinoColumn } from './client.js';
import type { TrinoClient } from './client.js';
import type { TrinoSourceSettings } from './config.js';
import { parseTrinoSourceConfig } from './config.js';
import type { CursorCodec } from '../polling/checkpoint-ack.js';
import { CheckpointAck } from '../polling/checkpoint-ack.js';
import type { CursorValue } from '../polling/cursor-state.js';
import { checkpointOf } from '../polling/cursor-state.js';
import { DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS, PollLoop, pageLimitOf } from '../polling/poll-loop.js';
import { cursorLiteral, qualifiedName, quoteIdent } from './literals.js';
import type { TrinoConnectionOptions } from './connect.js';
import { connectTrino } from './connect.js';

export interface TrinoSourceOptions extends TrinoConnectionOptions {
  /** Least time between two checkpoint saves (default 1 s); close() always saves. */
  readonly checkpointSaveIntervalMs?: number;
  /** Rows per statement when readBatchSize is 0 (default 10,000). */
  readonly pageSize?: number;
}

/** Position of the last row read or acked: the pair, or the order-by value alone (no changeTrackingColumn). */
interface Cursor {
  readonly changeValue?: CursorValue;
  readonly orderValue: CursorValue;
}

const OWNER = 'trino source';

export class TrinoSource implements Source {
  private readonly settings: TrinoSourceSettings;
  private readonly ctx: PluginContext;
  private readonly options: TrinoSourceOptions;
  private readonly log: Logger;
  private readonly pageLimit: number;
  private readonly loop: PollLoop;
  private readonly checkpoint: CheckpointAck<Cursor>;
  private client: TrinoClient | undefined;
  private from = '';
  private partition = '';
  private meta: Record<string, MetaValue> = {};
  private changeType: string | undefined;
  private orderType = '';
  private opened = false;
  private closed = false;

  /** Last row fetched (reading continues after it); runs ahead of the acked checkpoint. */
  private readCursor: Cursor | undefined;

  constructor(settings: TrinoSourceSettings, ctx: PluginContext, options: TrinoSourceOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.options = options;
    this.log = ctx.log.child({ connector: OWNER });
    this.pageLimit = pageLimitOf(settings.readBatchSize, options.pageSize);
    this.loop = new PollLoop({ owner: OWNER, pageLimit: this.pageLimit, pollIntervalMs: settings.pollIntervalMs, isClosed: () => this.closed });
    this.checkpoint = new CheckpointAck({
      owner: OWNER,
      store: ctx.checkpoints,
      log: this.log,
      codec: trinoCursorCodec,
      saveIntervalMs: options.checkpointSaveIntervalMs ?? DEFAULT_CHECKPOINT_SAVE_INTERVAL_MS,
    });
  }

  /** The acked position as stored in the checkpoint. */
  get committedCheckpoint(): Checkpoint | undefined {
    return this.checkpoint.committed;
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    const s = this.settings;
    const secrets = this.ctx.secrets;
    await this.client?.close();
    const { client, catalog, schema, table } = await connectTrino(s, secrets, OWNER, this.options);
    this.client = client;
    this.from = s.query !== undefined ? `(${s.query})` : qualifiedName(catalog, schema, table as string);
    this.partition = table === undefined ? 'query' : `${catalog}.${schema}.${table}`;
    this.meta = { catalog, schema, ...(table === undefined ? {} : { table }) };
    if (!this.opened) this.readCursor = await this.checkpoint.load();
    await this.probe(signal);
    this.opened = true;
  }

  async read(max: number, signal: AbortSignal): Promise<Message[]> {
    if (this.closed) throw new Error(`${OWNER}: read after close`);
    if (!this.opened) throw new Error(`${OWNER}: read before open`);
    return this.loop.read(max, signal, async (s) => {
      try {
        return await this.poll(s);
      } catch (error) {
        // The client cancels the statement on abort; that ends the read quietly.
        if (s.aborted && error instanceof DataflowError && error.code === ErrorCode.shutdown) return undefined;
        throw error;
      }
    });
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
      const client = this.client;
      this.client = undefined;
      await client?.close();
    }
  }

  // ---- polling ---------------------------------------------------------------------------------

  /** Checks the table/query and both cursor columns, and learns their types for the cursor literals. */
  private async probe(signal: AbortSignal): Promise<void> {
    const ct = this.settings.changeTrackingColumn;
    const ob = this.settings.orderByColumn;
    const selected = [...(ct === undefined ? [] : [`q.${quoteIdent(ct)}`]), `q.${quoteIdent(ob)}`].join(', ');
    const what = `${OWNER} checking ${this.partition === 'query' ? 'the query' : `table ${this.partition}`}`;
    let columns: readonly TrinoColumn[];
    try {
      columns = (await this.requireClient().query(`SELECT ${selected} FROM ${this.from} AS q LIMIT 0`, what, signal)).columns;
    } catch (error) {
      if (error instanceof DataflowError && !error.retriable && error.code !== ErrorCode.shutdown) {
        throw new ConfigError(
          `${error.message} (it must exist and have orderByColumn "${ob}"${ct === undefined ? '' : ` and changeTrackingColumn "${ct}"`})`,
          { cause: error },
        );
      }
      throw error;
    }
    if (ct !== undefined) this.changeType = columns[0]?.type;
    this.orderType = columns.at(-1)?.type ?? 'varchar';
  }

  private async poll(signal: AbortSignal): Promise<Message[]> {
    const result = await this.requireClient().query(this.pollStatement(), `${OWNER} polling ${this.partition}`, signal);
    const readAt = new Date();
    const names = result.columns.map((c) => c.name);
    const ct = this.settings.changeTrackingColumn;
    const ob = this.settings.orderByColumn;
    const messages: Message[] = [];
    for (const data of result.rows) {
      const value: JsonObject = {};
      names.forEach((name, i) => (value[name] = data[i] ?? null));
      const orderValue = value[ob] as CursorValue;
      const changeValue = ct === undefined ? undefined : (value[ct] as CursorValue);
      const cursor: Cursor = changeValue === undefined ? { orderValue } : { changeValue, orderValue };
      const offset = encodeOffset(cursor);
      messages.push({
        id: `${this.partition}@${offset}`,
        position: { partition: this.partition, offset },
        timestamp: eventTime(changeValue) ?? readAt,
        key: null,
        value,
        headers: {},
        meta: { ...this.meta, id: typeof orderValue === 'object' ? JSON.stringify(orderValue) : orderValue },
      });
      this.readCursor = cursor;
    }
    return messages;
  }

  /** `SELECT * FROM <target> AS q WHERE <after cursor> ORDER BY ct, ob LIMIT n`; rows with a NULL cursor column are never read. */
  private pollStatement(): string {
    const ct = this.settings.changeTrackingColumn;
    const ob = `q.${quoteIdent(this.settings.orderByColumn)}`;
    const cursor = this.readCursor;
    const conditions = [`${ob} IS NOT NULL`];
    if (ct === undefined) {
      if (cursor !== undefined) conditions.push(`${ob} > ${cursorLiteral(cursor.orderValue, this.orderType)}`);
    } else {
      const c = `q.${quoteIdent(ct)}`;
      conditions.push(`${c} IS NOT NULL`);
      const change = cursor?.changeValue;
      if (change !== undefined && cursor !== undefined) {
        const cLit = cursorLiteral(change, this.changeType ?? 'varchar');
        conditions.push(`(${c} > ${cLit} OR (${c} = ${cLit} AND ${ob} > ${cursorLiteral(cursor.orderValue, this.orderType)}))`);
      } else if (cursor !== undefined) {
        // A legacy checkpoint with the order-by value only.
        conditions.push(`${ob} > ${cursorLiteral(cursor.orderValue, this.orderType)}`);
      }
    }
    const orderBy = ct === undefined ? ob : `q.${quoteIdent(ct)}, ${ob}`;
    return `SELECT * FROM ${this.from} AS q WHERE ${conditions.join(' AND ')} ORDER BY ${orderBy} LIMIT ${this.pageLimit}`;
  }

  private requireClient(): TrinoClient {
    if (this.client === undefined) throw new Error(`${OWNER}: used before open or after close`);
    return this.client;
  }
}

/** Trino's own codec: its offsets and checkpoints may hold the order-by value alone. */
const trinoCursorCodec: CursorCodec<Cursor> = { checkpointOf, cursorFromCheckpoint, decodeOffset };

function cursorFromCheckpoint(checkpoint: Checkpoint | undefined): Cursor | undefined {
  if (checkpoint === undefined) return undefined;
  const order = checkpoint['lastReadOrderByValue'] ?? checkpoint['lastReadID'];
  const change = checkpoint['lastReadChangeTime'];
  if (order === undefined || order === null) return undefined;
  if (!isScalar(order) || (change !== undefined && change !== null && !isScalar(change))) {
    throw new ConfigError(`${OWNER}: the stored checkpoint ${JSON.stringify(checkpoint)} is not one this source wrote (reset it to start over)`);
  }
  return change === undefined || change === null ? { orderValue: order } : { changeValue: change, orderValue: order };
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function encodeOffset(cursor: Cursor): string {
  return JSON.stringify(cursor.changeValue === undefined ? [cursor.orderValue] : [cursor.changeValue, cursor.orderValue]);
}

function decodeOffset(offset: string): Cursor | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(offset);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.some((v) => v === null)) return undefined;
  if (parsed.length === 1) return { orderValue: parsed[0] as CursorValue };
  if (parsed.length === 2) return { changeValue: parsed[0] as CursorValue, orderValue: parsed[1] as CursorValue };
  return undefined;
}

function eventTime(value: CursorValue | undefined): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) return undefined;
  const date = new Date(value.replace(' ', 'T') + (/(Z|[+-]\d\d:?\d\d| UTC)$/.test(value) ? '' : 'Z'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const trinoSourceFactory: SourceFactory = {
  type: 'trino',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new TrinoSource(parseTrinoSourceConfig(config), ctx),
};
