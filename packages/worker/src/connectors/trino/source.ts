// Trino polling source (upstream-reference.md §1.4.4, bugs of §9 items 30 and 31 fixed). Each poll
// reads the rows after the cursor (changeTrackingColumn, orderByColumn) in that order, from a table
// or from the user's query wrapped as a subquery — no `id` column is assumed. Cursor values go into
// the SQL as literals of their column's type (read at open). A full page is followed by the next
// poll at once; otherwise the next poll waits pollInterval. The read cursor runs ahead in memory;
// the checkpoint follows ack() only, is saved at most once per second and on close. close() and an
// aborted read cancel the running statement on the server.
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError, DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import type { JsonObject, JsonValue, Message, MetaValue, Position } from '../../message.js';
import type { Checkpoint, Logger, PluginContext, Source, SourceFactory } from '../../plugin.js';
import { createTrinoAuth } from './auth.js';
import type { TrinoColumn } from './client.js';
import { TrinoClient } from './client.js';
import type { TrinoSourceSettings } from './config.js';
import { parseTrinoSourceConfig, resolveValue } from './config.js';
import { cursorLiteral, qualifiedName, quoteIdent } from './literals.js';
import type { TrinoConnectionOptions } from './sink.js';

export interface TrinoSourceOptions extends TrinoConnectionOptions {
  /** Least time between two checkpoint saves (default 1 s); close() always saves. */
  readonly checkpointSaveIntervalMs?: number;
  /** Rows per statement when readBatchSize is 0 (default 10,000). */
  readonly pageSize?: number;
}

type CursorValue = Exclude<JsonValue, null>;

/** Position of the last row read or acked: the pair, or the order-by value alone. */
interface Cursor {
  readonly changeValue?: CursorValue;
  readonly orderValue: CursorValue;
}

const OWNER = 'trino source';
const DEFAULT_PAGE_SIZE = 10_000;

export class TrinoSource implements Source {
  private readonly settings: TrinoSourceSettings;
  private readonly ctx: PluginContext;
  private readonly options: TrinoSourceOptions;
  private readonly log: Logger;
  private readonly pageLimit: number;
  private client: TrinoClient | undefined;
  private from = '';
  private partition = '';
  private meta: Record<string, MetaValue> = {};
  private changeType: string | undefined;
  private orderType = '';
  private opened = false;
  private closed = false;

  private readCursor: Cursor | undefined;
  private ackedCursor: Cursor | undefined;
  private savedJson: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private buffer: Message[] = [];
  private head = 0;
  private nextPollAt = 0;

  constructor(settings: TrinoSourceSettings, ctx: PluginContext, options: TrinoSourceOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.options = options;
    this.log = ctx.log.child({ connector: OWNER });
    this.pageLimit = settings.readBatchSize > 0 ? settings.readBatchSize : (options.pageSize ?? DEFAULT_PAGE_SIZE);
  }

  /** The acked position as stored in the checkpoint. */
  get committedCheckpoint(): Checkpoint | undefined {
    return this.ackedCursor === undefined ? undefined : checkpointOf(this.ackedCursor);
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    const s = this.settings;
    const secrets = this.ctx.secrets;
    const serverURL = await resolveValue(s.serverURL, secrets, OWNER, 'serverURL');
    const catalog = await resolveValue(s.catalog, secrets, OWNER, 'catalog');
    const schema = await resolveValue(s.schema, secrets, OWNER, 'schema');
    const table = s.table === undefined ? undefined : await resolveValue(s.table, secrets, OWNER, 'table');
    this.from = s.query !== undefined ? `(${s.query})` : qualifiedName(catalog, schema, table as string);
    this.partition = table === undefined ? 'query' : `${catalog}.${schema}.${table}`;
    this.meta = { catalog, schema, ...(table === undefined ? {} : { table }) };
    const auth = await createTrinoAuth(s, secrets, OWNER, { ...this.options.keycloak, ...(this.options.ca === undefined ? {} : { ca: this.options.ca }) });
    await this.client?.close();
    this.client = new TrinoClient({
      serverURL,
      catalog,
      schema,
      auth,
      ...(s.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: s.queryTimeoutMs }),
      ...(this.options.ca === undefined ? {} : { ca: this.options.ca }),
      ...(this.options.pollBackoffMs === undefined ? {} : { pollBackoffMs: this.options.pollBackoffMs }),
    });
    if (!this.opened) await this.loadCheckpoint();
    await this.probe(signal);
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
        continue;
      }
      try {
        await this.poll(signal);
      } catch (error) {
        if (signal.aborted && error instanceof DataflowError && error.code === ErrorCode.shutdown) return [];
        throw error;
      }
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

  private async poll(signal: AbortSignal): Promise<void> {
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
    this.buffer = messages;
    this.head = 0;
    this.nextPollAt = result.rows.length >= this.pageLimit ? 0 : performance.now() + this.settings.pollIntervalMs;
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

  private requireClient(): TrinoClient {
    if (this.client === undefined) throw new Error(`${OWNER}: used before open or after close`);
    return this.client;
  }

  // ---- checkpoint ------------------------------------------------------------------------------

  private async loadCheckpoint(): Promise<void> {
    let stored: Checkpoint | undefined;
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

  private scheduleSave(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.saveCheckpoint()).catch((error: unknown) => {
        // Logged and retried with the next ack (or at close, where a failure is reported).
        this.log.warn({ err: errorMessage(error) }, 'checkpoint save failed; retrying later');
        if (!this.closed) this.scheduleSave();
      });
    }, this.options.checkpointSaveIntervalMs ?? 1000);
    this.saveTimer.unref();
  }

  private async saveCheckpoint(): Promise<void> {
    if (this.ackedCursor === undefined) return;
    const checkpoint = checkpointOf(this.ackedCursor);
    const json = JSON.stringify(checkpoint);
    if (json === this.savedJson) return;
    await this.ctx.checkpoints.save(checkpoint);
    this.savedJson = json;
  }
}

/** The checkpoint JSON shared with the other SQL sources (upstream §5.6). */
function checkpointOf(cursor: Cursor): Checkpoint {
  return { ...(cursor.changeValue === undefined ? {} : { lastReadChangeTime: cursor.changeValue }), lastReadOrderByValue: cursor.orderValue };
}

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
