// Local NDJSON file sink: appends one line per message (the file and its directory are created if
// missing). A batch is one write call; the runtime retries it as a whole when the disk is full.
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Message } from '../../message.js';
import type { PluginContext, Sink, SinkFactory, WriteResult } from '../../plugin.js';
import { ALL_WRITTEN } from '../../plugin.js';
import { ConfigFields } from '../config-fields.js';
import { encodeLines } from '../ndjson.js';
import { translateFsError } from './fs-errors.js';

export interface FileSinkConfig {
  readonly path: string;
}

export function parseFileSinkConfig(config: Record<string, unknown>): FileSinkConfig {
  return { path: new ConfigFields(config, 'file sink').requiredString('path') };
}

export class FileSink implements Sink {
  private readonly path: string;
  private handle: FileHandle | undefined;
  private closed = false;

  constructor(config: FileSinkConfig) {
    this.path = config.path;
  }

  async open(_signal: AbortSignal): Promise<void> {
    if (this.closed) throw new Error('file sink: open after close');
    try {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
    } catch (error) {
      throw translateFsError(error, `file sink cannot open ${this.path}`);
    }
  }

  async write(batch: readonly Message[], _signal: AbortSignal): Promise<WriteResult> {
    if (this.closed) throw new Error('file sink: write after close');
    const handle = this.handle;
    if (handle === undefined) throw new Error('file sink: write before open');
    const bytes = encodeLines(batch);
    try {
      // Append mode: every write lands at the end; loop in case the kernel takes only part.
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw translateFsError(error, `file sink cannot write ${this.path}`);
    }
    return ALL_WRITTEN;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

export const fileSinkFactory: SinkFactory = {
  type: 'file',
  create: (config: Record<string, unknown>, _ctx: PluginContext) => new FileSink(parseFileSinkConfig(config)),
};
