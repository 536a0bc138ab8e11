// Standard-output sink for demos and debugging: one JSON line per message (NDJSON), or indented
// JSON with `pretty`. A batch is one stream write; the write waits for the stream to take it, so
// a slow terminal or pipe holds the flow back instead of buffering without bound.
import type { Message } from '../../message.js';
import type { PluginContext, Sink, SinkFactory, WriteResult } from '../../plugin.js';
import { ALL_WRITTEN } from '../../plugin.js';
import { DataflowError, ErrorCode, errorMessage } from '../../errors.js';
import { ConfigFields } from '../config-fields.js';
import { encodeLines } from '../ndjson.js';

export interface StdoutSinkConfig {
  readonly pretty: boolean;
}

export function parseStdoutSinkConfig(config: Record<string, unknown>): StdoutSinkConfig {
  return { pretty: new ConfigFields(config, 'stdout sink').optionalBoolean('pretty', false) };
}

export class StdoutSink implements Sink {
  private readonly pretty: boolean;
  private readonly stream: NodeJS.WritableStream;
  private state: 'new' | 'open' | 'closed' = 'new';

  /** `stream` defaults to process.stdout; tests pass their own. The stream is never ended here. */
  constructor(config: StdoutSinkConfig, stream: NodeJS.WritableStream = process.stdout) {
    this.pretty = config.pretty;
    this.stream = stream;
  }

  open(_signal: AbortSignal): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new Error('stdout sink: open after close'));
    this.state = 'open';
    return Promise.resolve();
  }

  write(batch: readonly Message[], _signal: AbortSignal): Promise<WriteResult> {
    if (this.state !== 'open') return Promise.reject(new Error(`stdout sink: write ${this.state === 'closed' ? 'after close' : 'before open'}`));
    const bytes = encodeLines(batch, this.pretty);
    return new Promise<WriteResult>((resolve, reject) => {
      this.stream.write(bytes, (error) => {
        if (error === null || error === undefined) resolve(ALL_WRITTEN);
        // A closed pipe will not come back: not retriable.
        else reject(new DataflowError(ErrorCode.internal, `stdout sink cannot write: ${errorMessage(error)}`, false, { cause: error }));
      });
    });
  }

  close(): Promise<void> {
    this.state = 'closed';
    return Promise.resolve();
  }
}

export const stdoutSinkFactory: SinkFactory = {
  type: 'stdout',
  create: (config: Record<string, unknown>, _ctx: PluginContext) => new StdoutSink(parseStdoutSinkConfig(config)),
};
