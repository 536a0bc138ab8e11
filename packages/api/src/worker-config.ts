// The versioned hand-off from controller to worker (decisions.md §5, house-style.md §2.4): the
// controller renders it into the ConfigMap `df-<name>-config` under `flow.json`; the worker parses it
// on start. It never holds a secret value: `*SecretRef` fields stay references and the worker reads
// the mounted Secret files. During an operator upgrade an old worker may see a newer config, so the
// parser rejects unknown major versions instead of guessing.
import type { DataFlow, DataFlowSpec } from './dataflow.js';
import { applyDefaults } from './defaults.js';
import { SpecValidationError } from './issues.js';
import type { SpecIssue } from './issues.js';
import { isPlainObject, stableStringify } from './json-util.js';
import { validateSpec } from './validate.js';

export const WORKER_CONFIG_VERSION = 1;

export interface WorkerFlowIdentity {
  namespace: string;
  name: string;
  /** Empty for flows run locally by the CLI (no API server, no uid). */
  uid: string;
  /** metadata.generation the config was rendered from (0 for local runs). */
  generation: number;
}

export interface WorkerConfig {
  version: typeof WORKER_CONFIG_VERSION;
  flow: WorkerFlowIdentity;
  /** Normalised, validated spec with defaults applied. */
  spec: DataFlowSpec;
}

/**
 * Builds the worker config of a flow: normalises, validates (throws SpecValidationError listing every
 * issue) and applies defaults, so the worker receives exactly the effective spec. metadata.name is
 * required; a missing namespace means `default` (as kubectl does), a missing uid/generation means a
 * local run.
 */
export function renderWorkerConfig(flow: DataFlow): WorkerConfig {
  const name = flow.metadata.name;
  if (typeof name !== 'string' || name === '') {
    throw new SpecValidationError([{ path: 'metadata.name', message: 'is required' }], 'DataFlow');
  }
  const namespace = flow.metadata.namespace ?? 'default';
  const result = validateSpec(flow.spec, { namespace });
  if (!result.ok) throw new SpecValidationError(result.issues, `DataFlow ${namespace}/${name}`);
  return {
    version: WORKER_CONFIG_VERSION,
    flow: { namespace, name, uid: flow.metadata.uid ?? '', generation: flow.metadata.generation ?? 0 },
    spec: applyDefaults(result.spec, { namespace, name }),
  };
}

/**
 * JSON text with keys sorted at every level and a trailing newline: the same config always gives the
 * same bytes, so its hash only changes when the content does.
 */
export function serializeWorkerConfig(config: WorkerConfig): string {
  return `${stableStringify(config, 2)}\n`;
}

/**
 * Parses and re-validates a worker config. Throws SpecValidationError for malformed JSON, an unknown
 * major version, a bad flow identity or an invalid spec (paths like `spec.sink.config.table`).
 */
export function parseWorkerConfig(text: string): WorkerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecValidationError([{ path: '', message: `not valid JSON: ${(err as Error).message}` }], 'worker config');
  }
  if (!isPlainObject(raw)) throw new SpecValidationError([{ path: '', message: 'must be a JSON object' }], 'worker config');

  const version = raw['version'];
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new SpecValidationError([{ path: 'version', message: 'must be an integer' }], 'worker config');
  }
  if (version !== WORKER_CONFIG_VERSION) {
    throw new SpecValidationError(
      [{ path: 'version', message: `unsupported worker config version ${version}; this worker understands version ${WORKER_CONFIG_VERSION} (is the worker image older than the operator?)` }],
      'worker config',
    );
  }

  const issues: SpecIssue[] = [];
  const flow = raw['flow'];
  if (!isPlainObject(flow)) {
    issues.push({ path: 'flow', message: 'must be an object { namespace, name, uid, generation }' });
  } else {
    for (const field of ['namespace', 'name'] as const) {
      if (typeof flow[field] !== 'string' || flow[field] === '') issues.push({ path: `flow.${field}`, message: 'must be a non-empty string' });
    }
    if (typeof flow['uid'] !== 'string') issues.push({ path: 'flow.uid', message: 'must be a string' });
    const generation = flow['generation'];
    if (typeof generation !== 'number' || !Number.isInteger(generation) || generation < 0) {
      issues.push({ path: 'flow.generation', message: 'must be an integer >= 0' });
    }
  }
  if (issues.length > 0 || !isPlainObject(flow)) throw new SpecValidationError(issues, 'worker config');

  const identity: WorkerFlowIdentity = {
    namespace: flow['namespace'] as string,
    name: flow['name'] as string,
    uid: flow['uid'] as string,
    generation: flow['generation'] as number,
  };
  const result = validateSpec(raw['spec'], { namespace: identity.namespace });
  if (!result.ok) throw new SpecValidationError(result.issues, `worker config for ${identity.namespace}/${identity.name}`);
  return { version: WORKER_CONFIG_VERSION, flow: identity, spec: result.spec };
}

// FNV-1a 64-bit. `api` must stay runtime-neutral (no node:crypto), and the hash only detects change
// (it goes into a pod-template annotation to roll pods); it is not a security boundary, so a fast
// non-cryptographic hash is enough. The controller may mix in Secret resourceVersions the same way.
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** 16 lower-case hex digits: FNV-1a 64 over the UTF-8 bytes of `text`. */
export function workerConfigHash(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}
