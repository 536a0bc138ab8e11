// The plugin contract: what a source, a sink and a transform promise the runtime, and what the
// runtime promises them. Connectors stay thin: batching, retries, back-pressure, acking and the
// error sink all live in the runtime (house-style.md §2.3).
import type { DataflowError } from './errors.js';
import type { Message, Position } from './message.js';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Reads secret values that reach the pod as files or env; the config only carries references. */
export interface SecretReader {
  read(ref: { name: string; key: string }): Promise<string>;
}

/** Opaque, JSON-serialisable resume point of a polling source. */
export type Checkpoint = Record<string, unknown>;

/** Stores a polling source's checkpoint (a ConfigMap in a cluster, a file locally). */
export interface CheckpointStore {
  load(): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
}

export interface FlowIdentity {
  readonly namespace: string;
  readonly name: string;
}

export interface PluginContext {
  readonly log: Logger;
  readonly secrets: SecretReader;
  readonly flow: FlowIdentity;
  readonly checkpoints: CheckpointStore;
}

export interface Source {
  /** Connects; the runtime retries with backoff while it throws a retriable error. */
  open(signal: AbortSignal): Promise<void>;
  /**
   * Resolves with 1..max messages, or [] when the signal aborts or the source is exhausted
   * (then `done()` is true). Messages of one partition come in position order.
   */
  read(max: number, signal: AbortSignal): Promise<Message[]>;
  /** True once a finite source (file without follow, generator with count) has nothing more. */
  done(): boolean;
  /**
   * Commits positions; the runtime calls it in position order per partition and only for
   * positions whose every derived output was written, filtered or dead-lettered.
   */
  ack(positions: readonly Position[]): Promise<void>;
  /** Releases resources; no calls follow. */
  close(): Promise<void>;
  /**
   * Optional: messages not consumed yet per partition this source reads now (Kafka consumer lag),
   * for the metrics; the runtime polls it about once a second. Partitions absent are not reported.
   */
  lag?(): readonly PartitionLag[];
}

/** How far behind the newest message of one partition the committed position is. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/** Per-message outcome of a write: indexes into the batch of the records the sink rejected. */
export interface WriteResult {
  readonly failed: ReadonlyArray<{ readonly index: number; readonly error: DataflowError }>;
}

export const ALL_WRITTEN: WriteResult = Object.freeze({ failed: [] });

export interface Sink {
  open(signal: AbortSignal): Promise<void>;
  /**
   * Writes a batch. Throw a retriable error when nothing could be written (the runtime retries the
   * whole batch); return `failed` entries for records the target rejected (they are dead-lettered).
   */
  write(batch: readonly Message[], signal: AbortSignal): Promise<WriteResult>;
  close(): Promise<void>;
  /**
   * Optional: how many batches the runtime may have in write() at once (default 1). Above 1,
   * write() must be safe to call again before earlier calls settled (e.g. a connection per call);
   * the runtime still settles source positions in order, whatever order the writes finish in.
   */
  readonly concurrentWrites?: number;
  /**
   * Optional, with concurrentWrites > 1: the identities of the records a batch changes (e.g.
   * upsert keys). A batch sharing one with a batch in flight starts only after that write finished,
   * retries included, so the older value never lands last. An empty set conflicts with nothing;
   * undefined means "may conflict with anything" (the batch is written alone). Without this method
   * batches never conflict.
   */
  conflictKeys?(batch: readonly Message[]): ReadonlySet<string> | undefined;
}

/** A transform maps one message to 0..N messages derived from it (0 = filtered out). */
export type Transform = (msg: Message) => Message[];

/** What a router transform declares at build time, so every route sink is opened before data flows. */
export interface RouteDeclaration {
  /** Output name, e.g. `route[0]`; also the sink name in metrics and error-sink stages. */
  readonly name: string;
  readonly condition: string;
  readonly sink: { readonly type: string; readonly config: Record<string, unknown> };
}

export interface BuiltTransform {
  readonly type: string;
  readonly apply: Transform;
  /** Only routers declare outputs. */
  readonly routes?: readonly RouteDeclaration[];
}

export interface TransformBuildContext {
  /** Position of the transform in `spec.transformations` (used in names and error stages). */
  readonly index: number;
}

export interface TransformFactory {
  readonly type: string;
  /** Compiles paths/conditions once; throws ConfigError on a bad config. */
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform;
}

export interface SourceFactory {
  readonly type: string;
  create(config: Record<string, unknown>, ctx: PluginContext): Source;
}

export interface SinkFactory {
  readonly type: string;
  create(config: Record<string, unknown>, ctx: PluginContext): Sink;
}

export type { Message, Position };
