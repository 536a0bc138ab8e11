// PostgreSQL sink (upstream-reference.md §1.5.2, §1.5.7; bugs of §9.4 item 29 fixed). Each batch
// is one transaction: COPY in append mode, INSERT … ON CONFLICT over UNNEST arrays in upsert mode,
// and a soft-delete UPDATE for messages whose metadata operation is delete. Rows keep the order
// of the batch across operations; rows with the same set of columns share one statement, so a
// column missing from a payload gets the column's DEFAULT, not NULL.
//
// A batch the server rejects for a row's data (constraint, type, length — see errors.ts) is split
// in halves under savepoints until the rejected rows are found: the good rows commit together,
// the rejected ones come back in `failed` with the server's reason. A lost connection, an admin
// shutdown or a serialization failure rolls the whole batch back and throws a retriable error; the
// runtime retries the batch on a fresh connection, so nothing is lost or written twice (barring a
// connection lost during COMMIT itself, the one ambiguous moment of any at-least-once sink).
//
// The table's columns are read once at open (and after the sink creates the table); payload keys
// that are not columns are ignored with one warning per key.
//
// The runtime may have `writesInFlight` batches (config, default 2) in write() at once: each takes its own
// connection from a small pool, so one COPY is sent while the previous one commits. Batches that
// touch the same conflict key (upsert, soft delete) are never in flight together (`conflictKeys`),
// so a newer value cannot be overwritten by an older batch committing after it.
import type { ClientBase } from 'pg';
import type { DataflowError } from '../../errors.js';
import { ConfigError, RecordError, errorMessage } from '../../errors.js';
import type { Message } from '../../message.js';
import type { Logger, PluginContext, Sink, SinkFactory, WriteResult } from '../../plugin.js';
import type { PostgresqlSinkSettings } from './config.js';
import { parsePostgresqlSinkConfig } from './config.js';
import { resolveValue } from '../polling/config.js';
import { PgSession } from './connection.js';
import { copyField, copyLines } from './copy.js';
import { encodeValue } from './encode.js';
import { describePgError, isConnectionLoss, isRecordLevel, translatePgError } from './errors.js';
import type { RowOperation, RowValues } from './rows.js';
import { messageRow, operationOf } from './rows.js';
import type { QualifiedName } from './sql.js';
import { displayName, parseQualifiedName } from './sql.js';
import type { ColumnDefinition, ColumnInfo, TableInfo } from './table.js';
import { createTableStatements, describeTable, rawTableColumns } from './table.js';
import { inferColumns } from './type-infer.js';
import { columnArrays, softDeleteStatement, upsertStatement } from './upsert.js';

export interface PostgresqlSinkOptions {
  readonly connectTimeoutMs?: number;
}

const OWNER = 'postgresql sink';
const BEGIN = 'BEGIN; SET CONSTRAINTS ALL IMMEDIATE';
const SAVEPOINT = 'SAVEPOINT dataflow_split';
const RELEASE = 'RELEASE SAVEPOINT dataflow_split';
const ROLLBACK_TO = 'ROLLBACK TO SAVEPOINT dataflow_split; RELEASE SAVEPOINT dataflow_split';

type Failure = { readonly index: number; readonly error: DataflowError };

interface MappedRow {
  readonly index: number;
  readonly operation: RowOperation;
  readonly row: RowValues;
}

/** A row ready to write: its columns in table order and their values as PostgreSQL input text. */
interface PreparedRow {
  readonly index: number;
  readonly operation: RowOperation;
  readonly columns: readonly ColumnInfo[];
  readonly signature: string;
  /** Column values (upsert and delete rows); COPY rows carry `line` instead. */
  readonly values: readonly (string | null)[];
  /** The row as one COPY text line (append-mode writes), '' otherwise. */
  readonly line: string;
  /** The encoded conflict key (upsert and delete), '' otherwise. */
  readonly key: string;
}

/** The columns of the last payload shape seen: rows of a topic mostly share their keys and order. */
interface RowShape {
  readonly keys: readonly string[];
  readonly columns: readonly ColumnInfo[];
  readonly signature: string;
  readonly info: TableInfo;
}

const NO_VALUES: readonly (string | null)[] = [];

interface Statement {
  readonly kind: 'copy' | 'upsert' | 'delete';
  readonly rows: readonly PreparedRow[];
}

export class PostgresqlSink implements Sink {
  private readonly settings: PostgresqlSinkSettings;
  private readonly ctx: PluginContext;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number | undefined;
  private connectionString = '';
  private tableName: QualifiedName = { name: '' };
  private info: TableInfo | undefined;
  /** Connected sessions not in use by a write. */
  private idle: PgSession[] = [];
  /** Every session opened and not closed yet (idle or in use). */
  private readonly sessions = new Set<PgSession>();
  /** A CREATE TABLE in progress (autoCreateTable), so concurrent first batches create it once. */
  private creating: Promise<void> | undefined;
  private opened = false;
  private closed = false;
  private readonly warnedKeys = new Set<string>();
  private readonly statementText = new Map<string, string>();
  private shape: RowShape | undefined;

  readonly concurrentWrites: number;

  constructor(settings: PostgresqlSinkSettings, ctx: PluginContext, options: PostgresqlSinkOptions = {}) {
    this.settings = settings;
    this.ctx = ctx;
    this.log = ctx.log.child({ connector: OWNER });
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.concurrentWrites = settings.writesInFlight;
  }

  async open(signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error(`${OWNER}: open after close`);
    this.connectionString = await resolveValue(this.settings.connectionString, this.ctx.secrets, OWNER, 'connectionString');
    const table = await resolveValue(this.settings.table, this.ctx.secrets, OWNER, 'table');
    try {
      this.tableName = parseQualifiedName(table);
    } catch (error) {
      throw new ConfigError(`${OWNER}: config.table is invalid: ${errorMessage(error)}`);
    }
    const session = await this.connect(signal);
    try {
      this.info = await describeTable(session.client, this.tableName);
      if (this.info === undefined && this.settings.autoCreateTable && this.settings.rawMode && !this.settings.flattenMetadataColumns) {
        await this.createTable(session.client, rawTableColumns(undefined), []);
      }
    } catch (error) {
      await this.abandon(session, error);
      throw translatePgError(error, `${OWNER} cannot inspect table ${displayName(this.tableName)}`);
    }
    this.idle.push(session);
    if (this.info === undefined && !this.settings.autoCreateTable) {
      throw new ConfigError(`${OWNER}: table ${displayName(this.tableName)} does not exist (create it, or set autoCreateTable: true)`);
    }
    if (this.info !== undefined) this.checkTable(this.info);
    this.opened = true;
  }

  async write(batch: readonly Message[], signal: AbortSignal): Promise<WriteResult> {
    if (this.closed) throw new Error(`${OWNER}: write after close`);
    if (!this.opened) throw new Error(`${OWNER}: write before open`);
    const failed: Failure[] = [];
    const mapped: MappedRow[] = [];
    const softDelete = this.settings.softDeleteColumn !== undefined;
    for (let index = 0; index < batch.length; index++) {
      const message = batch[index] as Message;
      try {
        mapped.push({ index, operation: operationOf(message, softDelete), row: messageRow(message, this.settings) });
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        failed.push({ index, error });
      }
    }
    if (mapped.length > 0) {
      const session = await this.connect(signal);
      try {
        if (this.info === undefined) await this.tableFromBatch(session, mapped);
        const prepared = this.prepare(mapped, failed);
        if (prepared.length > 0) failed.push(...(await this.execute(session, prepared)));
      } finally {
        this.giveBack(session);
      }
    }
    failed.sort((a, b) => a.index - b.index);
    return { failed };
  }

  /**
   * The conflict keys of a batch's rows (upsert and soft-delete modes), encoded as the write
   * encodes them; append mode without soft deletes changes no existing row: no conflicts. Before
   * the table exists the column types are unknown, so such a batch is written alone.
   */
  conflictKeys(batch: readonly Message[]): ReadonlySet<string> | undefined {
    const { settings } = this;
    const softDelete = settings.softDeleteColumn !== undefined;
    if (!settings.upsertMode && !softDelete) return NO_CONFLICTS;
    const info = this.info;
    if (info === undefined) return undefined;
    const keyColumns = settings.conflictKey.map((name) => info.columns.get(name));
    const keys = new Set<string>();
    for (const message of batch) {
      let row: RowValues;
      try {
        row = messageRow(message, settings);
      } catch {
        continue; // the write reports this record as failed
      }
      let key = '';
      for (let i = 0; i < keyColumns.length; i++) {
        const column = keyColumns[i];
        const value = column === undefined ? undefined : encodeValue(row[column.name], column);
        if (i > 0) key += '\0';
        key += value ?? '';
      }
      keys.add(key);
    }
    return keys;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sessions = [...this.sessions];
    this.sessions.clear();
    this.idle = [];
    await Promise.all(sessions.map((session) => session.close()));
  }

  // ---- connection and table ------------------------------------------------------------------

  /** An idle working session, or a new one; the caller hands it back with giveBack(). */
  private async connect(signal: AbortSignal): Promise<PgSession> {
    if (this.closed) throw new Error(`${OWNER}: closed`);
    for (let session = this.idle.pop(); session !== undefined; session = this.idle.pop()) {
      if (session.usable) return session;
      this.sessions.delete(session);
      await session.close();
    }
    const settings = {
      connectionString: this.connectionString,
      applicationName: `dataflow-${this.ctx.flow.namespace}-${this.ctx.flow.name}`,
      ...(this.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: this.connectTimeoutMs }),
    };
    const session = await PgSession.open(settings, signal, this.log, OWNER);
    if (this.closed) {
      await session.close();
      throw new Error(`${OWNER}: closed`);
    }
    this.sessions.add(session);
    return session;
  }

  private giveBack(session: PgSession): void {
    if (!this.sessions.has(session)) return;
    if (session.usable && !this.closed) this.idle.push(session);
    else {
      this.sessions.delete(session);
      void session.close();
    }
  }

  /** After a failed statement: roll back if the connection still works, otherwise drop it. */
  private async abandon(session: PgSession, error: unknown): Promise<void> {
    if (session.usable && !isConnectionLoss(error)) {
      try {
        await session.client.query('ROLLBACK');
        return;
      } catch (rollbackError) {
        session.markBroken(rollbackError);
      }
    }
    this.sessions.delete(session);
    await session.close();
  }

  /** The configured columns must exist in an existing table. */
  private checkTable(info: TableInfo): void {
    const { settings } = this;
    const table = displayName(info.table);
    const need = (column: string, why: string): void => {
      if (!info.columns.has(column)) throw new ConfigError(`${OWNER}: table ${table} has no column "${column}" (${why})`);
    };
    if (settings.upsertMode) for (const column of settings.conflictKey) need(column, 'conflictKey');
    if (settings.softDeleteColumn !== undefined) {
      need(settings.softDeleteColumn, 'softDeleteColumn');
      for (const column of settings.conflictKey) need(column, 'conflictKey, which identifies the row a delete marks');
    }
    if (settings.upsertVersionColumn !== undefined) need(settings.upsertVersionColumn, 'upsertVersionColumn');
    if (settings.rawMode) {
      need('data', 'rawMode stores the payload in data');
      if (!settings.flattenMetadataColumns) need('_metadata', 'rawMode stores the metadata in _metadata; or set flattenMetadataColumns');
      else if (info.columns.has('_metadata')) {
        throw new ConfigError(`${OWNER}: table ${table} has a _metadata column, which flattenMetadataColumns does not fill: drop it or unset flattenMetadataColumns`);
      }
    }
  }

  /** The first batch creates the table; a batch written meanwhile waits for it, then looks again. */
  private async tableFromBatch(session: PgSession, mapped: readonly MappedRow[]): Promise<void> {
    while (this.info === undefined) {
      if (this.creating === undefined) {
        this.creating = this.createFromBatch(session, mapped).finally(() => (this.creating = undefined));
        await this.creating;
        return;
      }
      await this.creating;
    }
  }

  /** autoCreateTable: the table from the first batch's rows (column mode, or rawMode with flattened metadata). */
  private async createFromBatch(session: PgSession, mapped: readonly MappedRow[]): Promise<void> {
    const rows = mapped.filter((m) => m.operation === 'write').map((m) => m.row);
    if (rows.length === 0) return;
    const { settings } = this;
    let columns: ColumnDefinition[];
    let primaryKey: readonly string[] = [];
    if (settings.rawMode) {
      const timestampColumn = `${settings.flattenMetadataColumnsPrefix}timestamp`;
      const metadata = inferColumns(rows.map(({ data: _data, ...rest }) => rest)).map((column) =>
        column.name === timestampColumn ? { ...column, type: 'timestamp with time zone' } : column,
      );
      columns = rawTableColumns(metadata);
    } else {
      columns = inferColumns(rows);
      const softDeleteColumn = settings.softDeleteColumn;
      if (softDeleteColumn !== undefined && !columns.some((column) => column.name === softDeleteColumn)) {
        columns.push({ name: softDeleteColumn, type: 'timestamp with time zone' });
      }
      if (settings.upsertMode) {
        const missing = settings.conflictKey.filter((key) => !columns.some((column) => column.name === key));
        if (missing.length > 0) {
          throw new ConfigError(
            `${OWNER}: autoCreateTable cannot create ${displayName(this.tableName)} with primary key (${settings.conflictKey.join(', ')}): ` +
              `the first batch has no field ${missing.map((m) => `"${m}"`).join(', ')}`,
          );
        }
        primaryKey = settings.conflictKey;
      }
    }
    try {
      await this.createTable(session.client, columns, primaryKey);
    } catch (error) {
      await this.abandon(session, error);
      throw translatePgError(error, `${OWNER} cannot create table ${displayName(this.tableName)}`);
    }
    if (this.info !== undefined) this.checkTable(this.info);
  }

  private async createTable(client: ClientBase, columns: readonly ColumnDefinition[], primaryKey: readonly string[]): Promise<void> {
    for (const statement of createTableStatements(this.tableName, columns, primaryKey)) await client.query(statement);
    this.info = await describeTable(client, this.tableName);
    if (this.info === undefined) throw new ConfigError(`${OWNER}: table ${displayName(this.tableName)} is still missing after CREATE TABLE`);
    this.log.info({ table: displayName(this.info.table), columns: columns.map((c) => `${c.name} ${c.type}`) }, 'created the table');
  }

  // ---- rows ----------------------------------------------------------------------------------

  private prepare(mapped: readonly MappedRow[], failed: Failure[]): PreparedRow[] {
    const info = this.info;
    if (info === undefined) {
      for (const m of mapped) failed.push({ index: m.index, error: new RecordError(`table ${displayName(this.tableName)} does not exist yet, so nothing can be deleted`) });
      return [];
    }
    const { conflictKey, upsertMode } = this.settings;
    const keyColumns = conflictKey.map((name) => info.columns.get(name) as ColumnInfo);
    const out: PreparedRow[] = [];
    for (const { index, operation, row } of mapped) {
      try {
        if (operation === 'delete') {
          const values = keyColumns.map((column) => this.keyValue(row, column, 'delete'));
          out.push({ index, operation, columns: keyColumns, signature: '', values, line: '', key: values.join('\0') });
          continue;
        }
        const { columns, signature } = this.rowShape(row, info);
        if (!upsertMode) {
          out.push({ index, operation, columns, signature, values: NO_VALUES, line: this.copyLineOf(row, columns), key: '' });
          continue;
        }
        const values = columns.map((column) => encodeValue(row[column.name], column));
        const key = keyColumns.map((column) => this.keyValue(row, column, 'upsert')).join('\0');
        out.push({ index, operation, columns, signature, values, line: '', key });
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        failed.push({ index, error });
      }
    }
    return out;
  }

  /** The row's values as one COPY text line, without an intermediate array. */
  private copyLineOf(row: RowValues, columns: readonly ColumnInfo[]): string {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as ColumnInfo;
      const value = row[column.name];
      if (i > 0) line += '\t';
      // Numbers and booleans never need COPY escaping (nor do most columns' other values).
      line += typeof value === 'number' && !column.isJson && !column.isDateTime ? String(value) : copyField(encodeValue(value, column));
    }
    return line;
  }

  /** The row's columns (cached while rows keep the same keys in the same order). */
  private rowShape(row: RowValues, info: TableInfo): RowShape {
    const last = this.shape;
    if (last !== undefined && last.info === info) {
      const keys = last.keys;
      let i = 0;
      let same = true;
      for (const key in row) {
        if (keys[i] !== key) {
          same = false;
          break;
        }
        i++;
      }
      if (same && i === keys.length) return last;
    }
    const columns = this.rowColumns(row, info);
    this.shape = { keys: Object.keys(row), columns, signature: columns.map((c) => c.name).join('\0'), info };
    return this.shape;
  }

  /** The row's keys that are columns, in table order; unknown keys are warned about once. */
  private rowColumns(row: RowValues, info: TableInfo): ColumnInfo[] {
    const columns: ColumnInfo[] = [];
    let unknown: string[] | undefined;
    for (const key of Object.keys(row)) {
      const column = info.columns.get(key);
      if (column !== undefined) columns.push(column);
      else (unknown ??= []).push(key);
    }
    if (unknown !== undefined) {
      for (const key of unknown) this.warnUnknownKey(key, info);
      if (columns.length === 0) {
        throw new RecordError(`payload has no field that is a column of table ${displayName(info.table)} (fields: ${unknown.slice(0, 10).join(', ')})`);
      }
    } else if (columns.length === 0) {
      throw new RecordError('payload is an empty object: there is nothing to write');
    }
    if (columns.length > 1) columns.sort((a, b) => (info.order.get(a.name) as number) - (info.order.get(b.name) as number));
    return columns;
  }

  private keyValue(row: RowValues, column: ColumnInfo, purpose: 'upsert' | 'delete'): string {
    const value = encodeValue(row[column.name], column);
    if (value === null) {
      throw new RecordError(
        purpose === 'delete'
          ? `delete message has no value for conflictKey column "${column.name}", so the row to mark cannot be found`
          : `payload has no value for conflictKey column "${column.name}"`,
      );
    }
    return value;
  }

  private warnUnknownKey(key: string, info: TableInfo): void {
    if (this.warnedKeys.has(key)) return;
    this.warnedKeys.add(key);
    this.log.warn({ table: displayName(info.table), field: key }, 'payload field is not a column of the table; it is ignored (warned once per field)');
  }

  // ---- writing -------------------------------------------------------------------------------

  /** One transaction; on a row-level rejection, a second one that isolates the rejected rows. */
  private async execute(session: PgSession, rows: readonly PreparedRow[]): Promise<Failure[]> {
    const client = session.client;
    try {
      await client.query(BEGIN);
      let failures: Failure[] = [];
      try {
        await this.run(client, rows);
      } catch (error) {
        if (!isRecordLevel(error)) throw error;
        await client.query('ROLLBACK');
        await client.query(BEGIN);
        failures = rows.length === 1 ? [this.rejection(rows[0] as PreparedRow, error)] : await this.isolate(client, rows);
      }
      await client.query('COMMIT');
      return failures;
    } catch (error) {
      await this.abandon(session, error);
      throw translatePgError(error, `${OWNER} cannot write to ${displayName(this.info?.table ?? this.tableName)}`);
    }
  }

  /** Tries each half under a savepoint; a half that fails is split again until single rows remain. */
  private async isolate(client: ClientBase, rows: readonly PreparedRow[]): Promise<Failure[]> {
    const middle = Math.ceil(rows.length / 2);
    const left = await this.attempt(client, rows.slice(0, middle));
    const right = await this.attempt(client, rows.slice(middle));
    return [...left, ...right];
  }

  private async attempt(client: ClientBase, rows: readonly PreparedRow[]): Promise<Failure[]> {
    await client.query(SAVEPOINT);
    try {
      await this.run(client, rows);
      await client.query(RELEASE);
      return [];
    } catch (error) {
      if (!isRecordLevel(error)) throw error;
      await client.query(ROLLBACK_TO);
      return rows.length === 1 ? [this.rejection(rows[0] as PreparedRow, error)] : this.isolate(client, rows);
    }
  }

  private rejection(row: PreparedRow, error: unknown): Failure {
    return { index: row.index, error: new RecordError(`${OWNER}: table ${displayName(this.info?.table ?? this.tableName)} rejected the row: ${describePgError(error)}`, { cause: error }) };
  }

  private async run(client: ClientBase, rows: readonly PreparedRow[]): Promise<void> {
    const table = (this.info as TableInfo).table;
    for (const statement of this.plan(rows)) {
      const first = statement.rows[0] as PreparedRow;
      if (statement.kind === 'copy') {
        await copyLines(
          client,
          table,
          first.columns.map((column) => column.name),
          statement.rows.map((row) => row.line),
        );
      } else {
        const text = this.statementFor(statement.kind, first.columns, first.signature);
        await client.query(
          text,
          columnArrays(
            statement.rows.map((row) => row.values),
            first.columns.length,
          ),
        );
      }
    }
  }

  /**
   * Statements in batch order: a run of deletes is one UPDATE; a run of writes is grouped by column
   * set (one COPY or upsert each). In upsert mode a key seen again goes to a later round, so a key
   * is never touched twice by one statement and later messages win.
   */
  private plan(rows: readonly PreparedRow[]): Statement[] {
    const statements: Statement[] = [];
    for (let start = 0; start < rows.length; ) {
      const operation = (rows[start] as PreparedRow).operation;
      let end = start + 1;
      while (end < rows.length && (rows[end] as PreparedRow).operation === operation) end++;
      const run = rows.slice(start, end);
      start = end;
      if (operation === 'delete') {
        statements.push({ kind: 'delete', rows: run });
      } else if (!this.settings.upsertMode) {
        for (const group of bySignature(run)) statements.push({ kind: 'copy', rows: group });
      } else {
        for (const round of byKeyOccurrence(run)) for (const group of bySignature(round)) statements.push({ kind: 'upsert', rows: group });
      }
    }
    return statements;
  }

  private statementFor(kind: 'upsert' | 'delete', columns: readonly ColumnInfo[], signature: string): string {
    const cacheKey = `${kind}\u0001${signature}`;
    let text = this.statementText.get(cacheKey);
    if (text === undefined) {
      const table = (this.info as TableInfo).table;
      const { conflictKey, softDeleteColumn, upsertStrategy, upsertVersionColumn } = this.settings;
      text =
        kind === 'delete'
          ? softDeleteStatement(table, columns, softDeleteColumn as string)
          : upsertStatement(table, columns, conflictKey, upsertStrategy === 'ifNewer' ? upsertVersionColumn : undefined);
      this.statementText.set(cacheKey, text);
    }
    return text;
  }
}

const NO_CONFLICTS: ReadonlySet<string> = new Set();

function bySignature(rows: readonly PreparedRow[]): PreparedRow[][] {
  if (rows.every((row) => row.signature === (rows[0] as PreparedRow).signature)) return [[...rows]];
  const groups = new Map<string, PreparedRow[]>();
  for (const row of rows) {
    const group = groups.get(row.signature);
    if (group === undefined) groups.set(row.signature, [row]);
    else group.push(row);
  }
  return [...groups.values()];
}

function byKeyOccurrence(rows: readonly PreparedRow[]): PreparedRow[][] {
  const rounds: PreparedRow[][] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const round = seen.get(row.key) ?? 0;
    seen.set(row.key, round + 1);
    (rounds[round] ??= []).push(row);
  }
  return rounds;
}

export const postgresqlSinkFactory: SinkFactory = {
  type: 'postgresql',
  create: (config: Record<string, unknown>, ctx: PluginContext) => new PostgresqlSink(parsePostgresqlSinkConfig(config), ctx),
};
