// Local NDJSON file source: one message per non-empty line, position = line number (partition =
// the configured path). A line that is not JSON (or not valid UTF-8) travels on as raw bytes:
// transforms treat it as non-JSON and a sink that needs JSON rejects it as a record error.
// Without `follow` the source is finite; with it, it keeps polling for appended lines until the
// read is aborted (a trailing line without newline is held until its newline arrives).
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Message, Position } from '../../message.js';
import { decodePayload } from '../../message.js';
import type { PluginContext, Source, SourceFactory } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';
import { translateFsError } from './fs-errors.js';

export interface FileSourceConfig {
  readonly path: string;
  readonly follow: boolean;
}

export interface FileSourceOptions {
  /** How often `follow` looks for appended data (default 200 ms). */
  readonly pollIntervalMs?: number;
  /** Bytes per file read (default 256 KiB). */
  readonly chunkSize?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function parseFileSourceConfig(config: Record<string, unknown>): FileSourceConfig {
  const fields = new ConfigFields(config, 'file source');
  const format = config['format'];
  if (format !== undefined && format !== 'json') throw fields.fail('format', `must be "json", got ${JSON.stringify(format)}`);
  return { path: fields.requiredString('path'), follow: fields.optionalBoolean('follow', false) };
}

export class FileSource implements Source {
  private readonly path: string;
  private readonly follow: boolean;
  private readonly pollIntervalMs: number;
  private readonly chunkSize: number;
  private handle: FileHandle | undefined;
  private closed = false;
  /** File bytes consumed so far (the next read starts here). */
  private fileOffset = 0;
  /** Bytes of a line whose newline has not been read yet. */
  private partial: Buffer[] = [];
  /** Number of the last line split off (1-based). */
  private lineNumber = 0;
  /** Lines decoded but not handed out yet. */
  private ready: Message[] = [];
  private readyHead = 0;
  private endOfFile = false;
  /** Highest line handed out, so acks of lines never delivered are caught. */
  private deliveredLine = 0;
  private ackedLine = 0;
  private spare: Buffer | undefined;

  constructor(config: FileSourceConfig, options: FileSourceOptions = {}) {
    this.path = config.path;
    this.follow = config.follow;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.chunkSize = options.chunkSize ?? 256 * 1024;
  }

  /** Last line number committed by the runtime (for a future checkpoint). */
  get committedLine(): number {
    return this.ackedLine;
  }

  async open(_signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error('file source: open after close');
    try {
      this.handle = await open(this.path, 'r');
    } catch (error) {
      throw translateFsError(error, `file source cannot open ${this.path}`);
    }
  }

  async read(max: number, signal: AbortSignal): Promise<Message[]> {
    if (this.closed) throw new Error('file source: read after close');
    const handle = this.handle;
    if (handle === undefined) throw new Error('file source: read before open');
    for (;;) {
      if (this.readyHead < this.ready.length) return this.take(max);
      if (signal.aborted || this.done()) return [];
      // Lines keep slices of their chunk, so a chunk is reused only when nothing was read into it.
      const chunk = this.spare ?? Buffer.allocUnsafe(this.chunkSize);
      this.spare = undefined;
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, this.fileOffset));
      } catch (error) {
        throw translateFsError(error, `file source cannot read ${this.path}`);
      }
      if (this.closed) throw new Error('file source: closed during read');
      if (bytesRead > 0) {
        this.fileOffset += bytesRead;
        this.split(chunk.subarray(0, bytesRead));
      } else if (!this.follow) {
        this.finish();
      } else {
        this.spare = chunk;
        await delay(this.pollIntervalMs, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  done(): boolean {
    return this.endOfFile && this.readyHead >= this.ready.length;
  }

  ack(positions: readonly Position[]): Promise<void> {
    for (const position of positions) {
      const line = Number(position.offset);
      if (position.partition !== this.path || !Number.isInteger(line) || line < 1 || line > this.deliveredLine) {
        return Promise.reject(new Error(`file source: ack of position ${position.partition}@${position.offset}, which was never delivered`));
      }
      if (line > this.ackedLine) this.ackedLine = line;
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private take(max: number): Message[] {
    const end = Math.min(this.ready.length, this.readyHead + max);
    const out = this.ready.slice(this.readyHead, end);
    this.readyHead = end;
    if (this.readyHead === this.ready.length) {
      this.ready = [];
      this.readyHead = 0;
    }
    this.deliveredLine = Number((out[out.length - 1] as Message).position.offset);
    return out;
  }

  /** Splits freshly read bytes into lines; the unterminated tail waits in `partial`. */
  private split(chunk: Buffer): void {
    const readAt = new Date();
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, start); newline >= 0; newline = chunk.indexOf(NEWLINE, start)) {
      let line = chunk.subarray(start, newline);
      if (this.partial.length > 0) {
        this.partial.push(line);
        line = Buffer.concat(this.partial);
        this.partial = [];
      }
      this.emit(line, readAt);
      start = newline + 1;
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start));
  }

  /** End of a finite file: a last line without newline is still a line. */
  private finish(): void {
    if (this.partial.length > 0) {
      const line = Buffer.concat(this.partial);
      this.partial = [];
      this.emit(line, new Date());
    }
    this.endOfFile = true;
  }

  private emit(raw: Buffer, readAt: Date): void {
    this.lineNumber++;
    const line = raw.length > 0 && raw[raw.length - 1] === CARRIAGE_RETURN ? raw.subarray(0, raw.length - 1) : raw;
    if (isBlank(line)) return;
    const offset = String(this.lineNumber);
    this.ready.push({
      id: `${this.path}@${offset}`,
      position: { partition: this.path, offset },
      timestamp: readAt,
      key: null,
      value: decodePayload(line),
      headers: {},
      meta: { file: this.path, line: this.lineNumber },
    });
  }
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== CARRIAGE_RETURN) return false;
  }
  return true;
}

export const fileSourceFactory: SourceFactory = {
  type: 'file',
  create: (config: Record<string, unknown>, _ctx: PluginContext) => new FileSource(parseFileSourceConfig(config)),
};
