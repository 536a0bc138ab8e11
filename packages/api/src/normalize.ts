// The legacy nested shape → the canonical `{ type, config }` shape (decisions.md §4,
// upstream-reference.md §0.1). Upstream's code snapshot wrote `source: { type: kafka, kafka: {...} }`
// and `transformations: [{ type: filter, filter: {...} }]`; the published chart and docs moved to
// `config` without a version bump, so manifests of both generations exist and both must keep working.
//
// Normalisation is purely structural: it never validates values (validate.ts does) and never applies
// defaults (defaults.ts does). The only findings are conflicts between the two shapes.
import { SINK_TYPES, SOURCE_TYPES } from './connectors/index.js';
import { joinPath } from './issues.js';
import type { SpecIssue } from './issues.js';
import { cloneJson, deepEqual, isPlainObject } from './json-util.js';
import type { JsonObject } from './json-util.js';
import { TRANSFORM_TYPES } from './transforms.js';

/** Keys that hold a connector config in the legacy shape (one per connector type). */
export const LEGACY_CONNECTOR_KEYS: readonly string[] = [...new Set<string>([...SOURCE_TYPES, ...SINK_TYPES])];
/** Keys that hold a transformation config in the legacy shape (one per transformation type). */
export const LEGACY_TRANSFORM_KEYS: readonly string[] = [...TRANSFORM_TYPES];

export interface Normalized {
  /** The canonical value; still unvalidated, hence `unknown`. The input is never modified. */
  readonly value: unknown;
  /** Conflicts between the legacy and the canonical shape, with field paths. */
  readonly issues: SpecIssue[];
  /** Paths of the items that were written in the legacy shape (for a deprecation note). */
  readonly legacyPaths: string[];
}

interface Context {
  issues: SpecIssue[];
  legacyPaths: string[];
}

/** Normalises a bare spec; paths in findings start at `basePath` (default `spec`). */
export function normalizeSpec(spec: unknown, basePath = 'spec'): Normalized {
  const ctx: Context = { issues: [], legacyPaths: [] };
  const value = normalizeSpecValue(cloneJson(spec), basePath, ctx);
  return { value, issues: ctx.issues, legacyPaths: ctx.legacyPaths };
}

/** Normalises the `spec` of a whole DataFlow document; everything else is copied unchanged. */
export function normalizeDataFlow(doc: unknown): Normalized {
  if (!isPlainObject(doc) || !Object.hasOwn(doc, 'spec')) return { value: cloneJson(doc), issues: [], legacyPaths: [] };
  const result = normalizeSpec(doc['spec'], 'spec');
  return { ...result, value: { ...cloneJson(doc), spec: result.value } };
}

function normalizeSpecValue(spec: unknown, path: string, ctx: Context): unknown {
  if (!isPlainObject(spec)) return spec;
  const out: JsonObject = { ...spec };
  for (const field of ['source', 'sink', 'errors'] as const) {
    if (Object.hasOwn(out, field)) out[field] = normalizeItem(out[field], joinPath(path, field), LEGACY_CONNECTOR_KEYS, ctx);
  }
  const transformations = out['transformations'];
  if (Array.isArray(transformations)) {
    out['transformations'] = transformations.map((t: unknown, i) => normalizeTransform(t, joinPath(joinPath(path, 'transformations'), i), ctx));
  }
  return out;
}

function normalizeTransform(item: unknown, path: string, ctx: Context): unknown {
  const out = normalizeItem(item, path, LEGACY_TRANSFORM_KEYS, ctx);
  if (!isPlainObject(out) || out['type'] !== 'router' || !isPlainObject(out['config'])) return out;
  const routes = out['config']['routes'];
  if (!Array.isArray(routes)) return out;
  const routesPath = joinPath(joinPath(path, 'config'), 'routes');
  const normalizedRoutes = routes.map((route: unknown, i): unknown => {
    if (!isPlainObject(route) || !Object.hasOwn(route, 'sink')) return route;
    return { ...route, sink: normalizeItem(route['sink'], joinPath(joinPath(routesPath, i), 'sink'), LEGACY_CONNECTOR_KEYS, ctx) };
  });
  return { ...out, config: { ...out['config'], routes: normalizedRoutes } };
}

/**
 * One `{ type, ... }` item. The legacy key named after the type moves to `config`; a legacy key of
 * another type, or a legacy key that disagrees with an explicit `config`, is a finding (and dropped,
 * so the schema does not report it a second time as an unknown field).
 */
function normalizeItem(item: unknown, path: string, legacyKeys: readonly string[], ctx: Context): unknown {
  if (!isPlainObject(item)) return item;
  const type = item['type'];
  // Without a string type there is nothing to normalise against; the schema reports the missing type.
  if (typeof type !== 'string') return item;

  const rest: JsonObject = { ...item };
  delete rest['type'];
  delete rest['config'];
  let config: unknown = item['config'];
  for (const key of legacyKeys) {
    if (!Object.hasOwn(rest, key)) continue;
    const legacy = rest[key];
    delete rest[key];
    const legacyPath = joinPath(path, key);
    if (key !== type) {
      ctx.issues.push({ path: legacyPath, message: `legacy nested "${key}" does not match type "${type}"; put the ${type} settings under config` });
      continue;
    }
    ctx.legacyPaths.push(path);
    if (config === undefined || config === null) {
      config = legacy;
    } else if (!deepEqual(config, legacy)) {
      ctx.issues.push({ path: legacyPath, message: `both config and the legacy nested "${key}" are set and differ; keep only config` });
    }
  }
  // The canonical shape always has a config object; types without settings may omit it.
  if (config === undefined || config === null) config = {};
  return { type, config, ...rest };
}
