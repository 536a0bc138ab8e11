// A polling source's checkpoint in a cluster: key `checkpoint.json` of the ConfigMap
// `df-<name>-checkpoint`, which the controller creates empty (the worker's Role grants get/patch on
// that one ConfigMap and no create). Sources save after every acknowledged batch; the API server
// gets at most one write per `spec.checkpointSaveInterval`, always of the newest checkpoint, and a
// final one on close. A crash loses at most one interval of progress, which is read again
// (at-least-once).
import { childNames } from '@dataflow/api';
import type { Checkpoint, CheckpointStore, Logger } from '../plugin.js';
import { retryApiCall } from './api-retry.js';
import type { ApiRetryOptions } from './api-retry.js';
import { isKubeApiError } from './in-cluster.js';
import type { KubeApi } from './in-cluster.js';
import { MERGE_PATCH, WORKER_FIELD_MANAGER } from './status-reporter.js';

export const CHECKPOINT_KEY = 'checkpoint.json';
/** Key recording the spec generation whose `checkpointReset` was carried out. */
export const RESET_GENERATION_KEY = 'reset-generation';

export function configMapPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`;
}

export interface ConfigMapCheckpointStoreOptions {
  readonly api: KubeApi;
  readonly flow: { readonly namespace: string; readonly name: string };
  /** Shortest time between two writes (spec.checkpointSaveInterval). */
  readonly saveIntervalMs: number;
  readonly log: Logger;
  /** Milliseconds clock; default Date.now. */
  readonly now?: () => number;
  readonly retry?: ApiRetryOptions;
}

interface ConfigMap {
  data?: Record<string, string>;
}

export class ConfigMapCheckpointStore implements CheckpointStore {
  private readonly api: KubeApi;
  private readonly path: string;
  private readonly label: string;
  private readonly saveIntervalMs: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly retry: ApiRetryOptions;
  /** Newest checkpoint handed to save(), as JSON. */
  private latest: string | undefined;
  /** Saved but not yet written. */
  private pending: string | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failures = 0;
  private closed = false;

  constructor(options: ConfigMapCheckpointStoreOptions) {
    if (!Number.isFinite(options.saveIntervalMs) || options.saveIntervalMs < 0) {
      throw new RangeError(`checkpoint store: saveIntervalMs must be a non-negative number, got ${options.saveIntervalMs}`);
    }
    const name = childNames.checkpointConfigMap(options.flow.name);
    this.api = options.api;
    this.path = configMapPath(options.flow.namespace, name);
    this.label = `ConfigMap ${options.flow.namespace}/${name}`;
    this.saveIntervalMs = options.saveIntervalMs;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.retry = options.retry ?? {};
  }

  async load(): Promise<Checkpoint | undefined> {
    if (this.latest !== undefined) return JSON.parse(this.latest) as Checkpoint;
    let configMap: ConfigMap;
    try {
      configMap = await retryApiCall(() => this.api.request<ConfigMap>('GET', this.path), this.retry);
    } catch (error) {
      if (isKubeApiError(error, 'not-found')) return undefined;
      throw this.explain(error, 'read');
    }
    const text = configMap.data?.[CHECKPOINT_KEY];
    if (text === undefined || text.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.label} key ${CHECKPOINT_KEY} is not valid JSON (delete the key to start from scratch): ${(error as Error).message}`, { cause: error });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`${this.label} key ${CHECKPOINT_KEY} must hold a JSON object (delete the key to start from scratch)`);
    }
    return value as Checkpoint;
  }

  /** Accepts the checkpoint at once; it is written within one save interval (or by flush/close). */
  save(checkpoint: Checkpoint): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.label}: checkpoint store is closed`));
    this.latest = JSON.stringify(checkpoint);
    this.pending = this.latest;
    this.schedule();
    return Promise.resolve();
  }

  /** Writes a pending checkpoint now; rejects when it cannot be written. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.writePending();
  }

  /** Final flush; later saves are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /**
   * Forgets the stored checkpoint for `spec.checkpointReset`, once per spec generation: the
   * generation is recorded next to the checkpoint, so a worker of the same generation that restarts
   * (a crash, a rescheduled pod) keeps the progress made since the reset. Returns whether it reset.
   */
  async resetOnce(generation: number): Promise<boolean> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    this.latest = undefined;
    this.pending = undefined;
    const marker = String(generation);
    try {
      const current = await retryApiCall(() => this.api.request<ConfigMap>('GET', this.path), this.retry);
      if (current.data?.[RESET_GENERATION_KEY] === marker) return false;
      const patch = { data: { [CHECKPOINT_KEY]: null, [RESET_GENERATION_KEY]: marker } };
      await retryApiCall(() => this.api.request('PATCH', `${this.path}?fieldManager=${WORKER_FIELD_MANAGER}`, patch, MERGE_PATCH), this.retry);
      return true;
    } catch (error) {
      throw this.explain(error, 'reset');
    }
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;
    const delayMs = Math.max(0, this.lastWriteAt + this.saveIntervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing
        .then(() => this.writePending())
        .then(
          () => {
            if (this.failures > 0) this.log.info({ failedAttempts: this.failures }, 'checkpoint saving recovered');
            this.failures = 0;
          },
          (error: unknown) => {
            this.failures++;
            // Once per failure streak; the newest checkpoint is tried again next interval.
            if (this.failures === 1) this.log.warn({ err: error }, 'checkpoint save failed; retrying every save interval');
            this.schedule();
          },
        );
    }, delayMs);
    // A pending write must not keep the process alive; close() flushes it.
    this.timer.unref();
  }

  private async writePending(): Promise<void> {
    const text = this.pending;
    if (text === undefined) return;
    this.pending = undefined;
    this.lastWriteAt = this.now();
    try {
      await retryApiCall(() => this.api.request('PATCH', `${this.path}?fieldManager=${WORKER_FIELD_MANAGER}`, { data: { [CHECKPOINT_KEY]: text } }, MERGE_PATCH), this.retry);
    } catch (error) {
      // Keep it for the next attempt unless a newer checkpoint arrived meanwhile.
      this.pending ??= text;
      throw this.explain(error, 'save');
    }
  }

  private explain(error: unknown, action: 'read' | 'save' | 'reset'): Error {
    if (isKubeApiError(error, 'not-found')) {
      return new Error(`cannot ${action} the checkpoint: ${this.label} does not exist; the operator creates it (the worker may not create ConfigMaps)`, { cause: error });
    }
    if (isKubeApiError(error, 'forbidden')) {
      return new Error(`cannot ${action} the checkpoint: the worker's service account may not access ${this.label} (RBAC: its Role needs get and patch on it)`, { cause: error });
    }
    return new Error(`cannot ${action} the checkpoint in ${this.label}: ${(error as Error).message}`, { cause: error });
  }
}
