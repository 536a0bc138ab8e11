// V8 heap limits of a worker from its container's memory limit.
//
// Node sizes its default heap from the memory it sees, which in a pod is about the whole limit
// (nodejs/node#64646: a 256 MiB container gets a ~262 MiB heap limit). A worker also needs memory
// outside the V8 heap — ~70 MB of code and runtime when idle, up to ~130 MB while draining
// (fetch responses, sockets, COPY chunks; bench/RESULTS.md) — so with the default heap a busy
// worker grew to 500–560 MB RSS and the kernel would OOM-kill it under the default 512Mi limit
// before V8 ever collected hard. Capping the old generation at half the limit and the young
// generation at 16 MiB semi-spaces keeps the whole process inside the limit; V8 then collects more often
// instead of the pod being killed without a log line.

/** Share of the memory limit given to V8's old generation. */
export const WORKER_OLD_SPACE_SHARE = 0.5;
/** Smallest old generation we set (MiB): below it the worker cannot hold one batch. */
export const WORKER_MIN_OLD_SPACE_MIB = 64;
/** Young-generation semi-space (MiB) for limits up to 1 GiB; larger pods keep V8's default. */
export const WORKER_SEMI_SPACE_MIB = 16;
const SMALL_POD_BYTES = 1024 ** 3;

const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+]?[0-9]+(?:\.[0-9]*)?|[+]?\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?[0-9]+)|(m|k|M|G|T|P|E)?)$/;

/** A Kubernetes resource quantity ("512Mi", "1G", "1e9", 2048) in bytes; undefined when it is not one. */
export function quantityBytes(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? quantity : undefined;
  if (typeof quantity !== 'string') return undefined;
  const match = QUANTITY.exec(quantity.trim());
  if (match === null) return undefined;
  const [, number, binary, exponent, decimal] = match;
  const value = Number(number);
  if (binary !== undefined) return value * (BINARY_SUFFIXES[binary] as number);
  if (exponent !== undefined) return value * 10 ** Number(exponent.slice(1));
  return value * (DECIMAL_SUFFIXES[decimal ?? ''] as number);
}

/**
 * NODE_OPTIONS for a worker whose container has `resources` (core/v1 ResourceRequirements);
 * undefined without a memory limit (nothing to stay inside, V8's defaults apply).
 */
export function workerNodeOptions(resources: unknown): string | undefined {
  const limits = typeof resources === 'object' && resources !== null ? (resources as { limits?: unknown }).limits : undefined;
  const memory = typeof limits === 'object' && limits !== null ? (limits as { memory?: unknown }).memory : undefined;
  const bytes = quantityBytes(memory);
  if (bytes === undefined || bytes === 0) return undefined;
  const oldSpaceMiB = Math.max(WORKER_MIN_OLD_SPACE_MIB, Math.floor((bytes * WORKER_OLD_SPACE_SHARE) / 1024 ** 2));
  const flags = [`--max-old-space-size=${oldSpaceMiB}`];
  if (bytes <= SMALL_POD_BYTES) flags.push(`--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`);
  return flags.join(' ');
}
