// validateSpec: the full answer to "is this DataFlow spec valid?", shared by controller (SpecValid
// condition), worker (refuses to start) and CLI (`dataflow validate`). Three stages:
//   1. normalise the legacy nested shape (normalize.ts);
//   2. the JSON schema, each config against the schema of its type (schema.ts, ajv);
//   3. cross-field rules a schema cannot express: replicas only for kafka, the connector and
//      transformation checks (literal-or-SecretRef, SecretRefs in the flow's namespace, paths and
//      conditions parse, …), route sinks checked like sinks, route names unique in the flow.
// Every finding is a { path, message } with a Kubernetes-style path such as spec.sink.config.table.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { ajvErrorsToIssues } from './ajv-issues.js';
import { checkSinkConfig, checkSourceConfig, isSinkType, isSourceType } from './connectors/index.js';
import type { DataFlow, DataFlowSpec } from './dataflow.js';
import { API_VERSION, KIND } from './group.js';
import { joinPath } from './issues.js';
import type { SpecIssue } from './issues.js';
import { isPlainObject } from './json-util.js';
import type { JsonObject } from './json-util.js';
import { normalizeSpec } from './normalize.js';
import { dataFlowSpecSchema } from './schema.js';
import { TRANSFORM_TYPES, checkTransformConfig } from './transforms.js';

export interface ValidateOptions {
  /** The flow's namespace: SecretRefs naming another namespace are rejected. */
  namespace?: string;
}

export type SpecValidationResult = { ok: true; spec: DataFlowSpec } | { ok: false; issues: SpecIssue[] };
export type DataFlowValidationResult = { ok: true; flow: DataFlow } | { ok: false; issues: SpecIssue[] };

let compiled: ValidateFunction | undefined;

/** Compiled once per process; the schema is static. */
function specValidator(): ValidateFunction {
  if (compiled === undefined) {
    // int32/int64 are informational formats of the CRD; ajv has no built-in for them.
    const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, formats: { int32: true, int64: true } });
    compiled = ajv.compile(dataFlowSpecSchema());
  }
  return compiled;
}

/** True when `path` is `parent` or lies below it. */
function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

function dedupe(issues: readonly SpecIssue[]): SpecIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Validates a DataFlow spec (canonical or legacy shape). On success returns the normalised spec —
 * defaults are NOT applied (applyDefaults does that, explicitly).
 */
export function validateSpec(spec: unknown, opts: ValidateOptions = {}): SpecValidationResult {
  const basePath = 'spec';
  if (!isPlainObject(spec)) return { ok: false, issues: [{ path: basePath, message: 'must be an object with at least source and sink' }] };
  const normalized = normalizeSpec(spec, basePath);
  const value = normalized.value as JsonObject;

  const validate = specValidator();
  const schemaIssues = validate(value) ? [] : ajvErrorsToIssues(validate.errors ?? [], value, basePath);
  // A cross-field finding at or below a field the schema already rejected would say the same twice.
  const crossField = crossFieldIssues(value, basePath, opts).filter((c) => !schemaIssues.some((s) => isWithin(c.path, s.path)));

  const issues = dedupe([...normalized.issues, ...schemaIssues, ...crossField]);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, spec: value as unknown as DataFlowSpec };
}

function crossFieldIssues(spec: JsonObject, basePath: string, opts: ValidateOptions): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const ns = opts.namespace;

  const source = spec['source'];
  if (isPlainObject(source) && isSourceType(source['type']) && isPlainObject(source['config'])) {
    issues.push(...checkSourceConfig(source['type'], source['config'], joinPath(joinPath(basePath, 'source'), 'config'), ns));
  }
  for (const field of ['sink', 'errors'] as const) {
    issues.push(...sinkIssues(spec[field], joinPath(basePath, field), ns));
  }

  const replicas = spec['replicas'];
  if (typeof replicas === 'number' && replicas > 1 && isPlainObject(source) && typeof source['type'] === 'string' && source['type'] !== 'kafka') {
    issues.push({
      path: joinPath(basePath, 'replicas'),
      message: `must be 0 or 1 for a ${source['type']} source: only a kafka source (consumer group) can share its input between several workers`,
    });
  }

  const transformations = spec['transformations'];
  if (Array.isArray(transformations)) {
    const routeNames = new Map<string, { path: string; transform: number }>();
    transformations.forEach((item: unknown, index) => {
      const path = joinPath(joinPath(basePath, 'transformations'), index);
      if (!isPlainObject(item) || !isPlainObject(item['config'])) return;
      const type = item['type'];
      if (typeof type !== 'string' || !(TRANSFORM_TYPES as readonly string[]).includes(type)) return;
      const configPath = joinPath(path, 'config');
      issues.push(...checkTransformConfig(type, item['config'], configPath));
      if (type === 'router') issues.push(...routeIssues(item['config'], configPath, index, routeNames, ns));
    });
  }
  return issues;
}

function sinkIssues(item: unknown, path: string, ns: string | undefined): SpecIssue[] {
  if (!isPlainObject(item) || !isSinkType(item['type']) || !isPlainObject(item['config'])) return [];
  return checkSinkConfig(item['type'], item['config'], joinPath(path, 'config'), ns);
}

/**
 * Route sinks are checked like the main sink. Names must be unique in the whole flow (metrics and
 * logs identify an output by name); duplicates inside one router are the router check's finding.
 */
function routeIssues(
  config: JsonObject,
  configPath: string,
  transform: number,
  names: Map<string, { path: string; transform: number }>,
  ns: string | undefined,
): SpecIssue[] {
  const routes = config['routes'];
  if (!Array.isArray(routes)) return [];
  const issues: SpecIssue[] = [];
  routes.forEach((route: unknown, index) => {
    if (!isPlainObject(route)) return;
    const routePath = joinPath(joinPath(configPath, 'routes'), index);
    issues.push(...sinkIssues(route['sink'], joinPath(routePath, 'sink'), ns));
    const name = route['name'];
    if (typeof name !== 'string' || name === '') return;
    const namePath = joinPath(routePath, 'name');
    const earlier = names.get(name);
    if (earlier === undefined) names.set(name, { path: namePath, transform });
    else if (earlier.transform !== transform) {
      issues.push({ path: namePath, message: `route name "${name}" is already used at ${earlier.path}; route names must be unique in the flow` });
    }
  });
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Whole documents

/** DNS-1123 subdomain; DataFlow names are further limited to 63 characters (see below). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The name becomes a label value (≤ 63) and the stem of child names such as df-<name>-checkpoint. */
export const MAX_FLOW_NAME_LENGTH = 63;

function metadataIssues(metadata: unknown): SpecIssue[] {
  if (!isPlainObject(metadata)) return [{ path: 'metadata', message: 'must be an object with at least name' }];
  const issues: SpecIssue[] = [];
  const name = metadata['name'];
  if (name === undefined || name === '') issues.push({ path: 'metadata.name', message: 'is required' });
  else if (typeof name !== 'string') issues.push({ path: 'metadata.name', message: 'must be a string' });
  else if (name.length > MAX_FLOW_NAME_LENGTH) {
    issues.push({ path: 'metadata.name', message: `must be at most ${MAX_FLOW_NAME_LENGTH} characters (it is a label value and the stem of child object names); got ${name.length}` });
  } else if (!DNS1123_SUBDOMAIN.test(name)) {
    issues.push({ path: 'metadata.name', message: `"${name}" must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit` });
  }
  const namespace = metadata['namespace'];
  if (namespace !== undefined && (typeof namespace !== 'string' || !DNS1123_LABEL.test(namespace) || namespace.length > 63)) {
    issues.push({ path: 'metadata.namespace', message: 'must be a DNS-1123 label: at most 63 lower-case letters, digits and "-"' });
  }
  return issues;
}

/**
 * Validates a whole DataFlow resource: apiVersion, kind, metadata.name (and namespace), then the spec
 * with the namespace rule for SecretRefs. Returns the flow with its spec normalised.
 */
export function validateDataFlow(doc: unknown): DataFlowValidationResult {
  if (!isPlainObject(doc)) return { ok: false, issues: [{ path: '', message: 'a DataFlow must be an object' }] };
  const issues: SpecIssue[] = [];
  if (doc['apiVersion'] !== API_VERSION) issues.push({ path: 'apiVersion', message: `must be "${API_VERSION}" (got ${JSON.stringify(doc['apiVersion'] ?? null)})` });
  if (doc['kind'] !== KIND) issues.push({ path: 'kind', message: `must be "${KIND}" (got ${JSON.stringify(doc['kind'] ?? null)})` });
  issues.push(...metadataIssues(doc['metadata']));

  const metadata = isPlainObject(doc['metadata']) ? doc['metadata'] : {};
  const namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : undefined;
  const spec = validateSpec(doc['spec'], namespace === undefined ? {} : { namespace });
  if (!spec.ok) issues.push(...spec.issues);
  if (issues.length > 0 || !spec.ok) return { ok: false, issues };
  return { ok: true, flow: { ...(doc as unknown as DataFlow), spec: spec.spec } };
}
