// The checkpoint side of a polling source: the acked cursor, loaded from and saved to the checkpoint
// store. Acks only move the cursor in memory; saves are debounced (at most one per interval, never
// two at once) so a fast pipeline does not write the store per batch, and close() saves the last one.
import { ConfigError, errorMessage } from '../../errors.js';
import type { Checkpoint, CheckpointStore, Logger, Position } from '../../plugin.js';

/** How a source's cursor maps to the checkpoint JSON and to message offsets. */
export interface CursorCodec<C> {
  readonly checkpointOf: (cursor: C) => Checkpoint;
  readonly cursorFromCheckpoint: (checkpoint: Checkpoint | undefined) => C | undefined;
  /** undefined when the offset is not one this source produced. */
  readonly decodeOffset: (offset: string) => C | undefined;
}

export interface CheckpointAckOptions<C> {
  readonly owner: string;
  readonly store: CheckpointStore;
  readonly log: Logger;
  readonly codec: CursorCodec<C>;
  readonly saveIntervalMs: number;
}

export class CheckpointAck<C> {
  private readonly options: CheckpointAckOptions<C>;
  private acked: C | undefined;
  private savedJson: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: CheckpointAckOptions<C>) {
    this.options = options;
  }

  /** The acked position as the checkpoint stores it. */
  get committed(): Checkpoint | undefined {
    return this.acked === undefined ? undefined : this.options.codec.checkpointOf(this.acked);
  }

  /** Reads the stored cursor (where reading resumes); an unreadable store is a configuration error. */
  async load(): Promise<C | undefined> {
    const { owner, store, codec, log } = this.options;
    let stored: Checkpoint | undefined;
    try {
      stored = await store.load();
    } catch (error) {
      throw new ConfigError(`${owner}: cannot load the checkpoint: ${errorMessage(error)}`, { cause: error });
    }
    const cursor = codec.cursorFromCheckpoint(stored);
    this.acked = cursor;
    this.savedJson = cursor === undefined ? undefined : JSON.stringify(codec.checkpointOf(cursor));
    if (cursor !== undefined) log.info({ checkpoint: codec.checkpointOf(cursor) }, 'resuming after the stored checkpoint');
    return cursor;
  }

  /** The runtime acks in order, so the last position is the new checkpoint. */
  ack(positions: readonly Position[], partition: string): Promise<void> {
    const owner = this.options.owner;
    if (this.closed) return Promise.reject(new Error(`${owner}: ack after close`));
    const last = positions.at(-1);
    if (last === undefined) return Promise.resolve();
    const cursor = last.partition === partition ? this.options.codec.decodeOffset(last.offset) : undefined;
    if (cursor === undefined) return Promise.reject(new Error(`${owner}: ack of position ${last.partition}@${last.offset}, which this source never delivered`));
    this.acked = cursor;
    this.scheduleSave();
    return Promise.resolve();
  }

  /** Stops the timer, waits for a running save and saves the last ack; a failure here is thrown. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.saving;
    await this.save();
  }

  private scheduleSave(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.save()).catch((error: unknown) => {
        // Logged and retried with the next ack (or at close, where a failure is reported).
        this.options.log.warn({ err: errorMessage(error) }, 'checkpoint save failed; retrying later');
        if (!this.closed) this.scheduleSave();
      });
    }, this.options.saveIntervalMs);
    this.saveTimer.unref();
  }

  private async save(): Promise<void> {
    if (this.acked === undefined) return;
    const checkpoint = this.options.codec.checkpointOf(this.acked);
    const json = JSON.stringify(checkpoint);
    if (json === this.savedJson) return;
    await this.options.store.save(checkpoint);
    this.savedJson = json;
  }
}
