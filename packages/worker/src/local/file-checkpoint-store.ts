// Checkpoints of a locally run flow: one JSON file per flow under a state directory
// (`<stateDir>/<namespace>/<name>/checkpoint.json`). In a cluster the same interface is backed by the
// flow's checkpoint ConfigMap. Saves are written to a temporary file and renamed over the old one,
// so a crash mid-save leaves the previous checkpoint intact, and they run one at a time in call order.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Checkpoint, CheckpointStore, FlowIdentity } from '../plugin.js';

export function checkpointFile(stateDir: string, flow: FlowIdentity): string {
  return join(stateDir, flow.namespace, flow.name, 'checkpoint.json');
}

export class FileCheckpointStore implements CheckpointStore {
  readonly file: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(stateDir: string, flow: FlowIdentity) {
    this.file = checkpointFile(stateDir, flow);
  }

  async load(): Promise<Checkpoint | undefined> {
    await this.queue;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`checkpoint ${this.file} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`checkpoint ${this.file} is not valid JSON (delete it to start from scratch): ${(error as Error).message}`, { cause: error });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`checkpoint ${this.file} must hold a JSON object (delete it to start from scratch)`);
    }
    return value as Checkpoint;
  }

  save(checkpoint: Checkpoint): Promise<void> {
    const text = `${JSON.stringify(checkpoint)}\n`;
    const next = this.queue.then(() => this.write(text));
    // A failed save must not poison the saves after it; the caller still sees its own failure.
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Forgets the stored checkpoint (`spec.checkpointReset`). */
  async reset(): Promise<void> {
    await this.queue;
    await rm(this.file, { force: true });
  }

  private async write(text: string): Promise<void> {
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(temporary, text, 'utf8');
      await rename(temporary, this.file);
    } catch (error) {
      throw new Error(`checkpoint ${this.file} cannot be saved: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Keeps the checkpoint in memory only (`spec.checkpointPersistence: false`): a restart starts over. */
export class MemoryCheckpointStore implements CheckpointStore {
  private checkpoint: Checkpoint | undefined;

  load(): Promise<Checkpoint | undefined> {
    return Promise.resolve(this.checkpoint);
  }

  save(checkpoint: Checkpoint): Promise<void> {
    this.checkpoint = checkpoint;
    return Promise.resolve();
  }
}
