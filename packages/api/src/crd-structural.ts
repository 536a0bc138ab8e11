// Turning the validator's JSON schemas into Kubernetes *structural* schema fragments.
//
// Structural rules (apiextensions.k8s.io/v1): every node has a type (unless it preserves unknown
// fields or is int-or-string); properties and additionalProperties never appear together; no
// anyOf/oneOf/not carrying types. The validator schemas are closed objects
// (additionalProperties: false) — the API server expresses that by pruning instead.
//
// Connector and transformation `config` is one object for many types, so the CRD describes the union
// of every type's properties with validation stripped: a kafka default must never be applied to a
// postgresql config, and validateSpec (not the API server) gives the per-type answer.
import type { JsonSchema } from './json-schema.js';
import { stableStringify } from './json-util.js';

/** Keywords the API server would enforce; removed from the merged config schemas. */
const VALIDATION_KEYWORDS = [
  'default',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'pattern',
  'format',
  'required',
  'anyOf',
  'not',
  'nullable',
  'x-kubernetes-validations',
] as const;

/**
 * A validator schema as a structural CRD fragment, validation kept: closed objects become plain
 * (pruned) objects and the ajv-only keywords go.
 */
export function toStructural(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  delete out.anyOf;
  delete out.not;
  if (out.additionalProperties === false || out.additionalProperties === true) delete out.additionalProperties;
  if (out.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, toStructural(v)]));
  }
  if (out.items !== undefined) out.items = toStructural(out.items);
  if (typeof out.additionalProperties === 'object') out.additionalProperties = toStructural(out.additionalProperties);
  return out;
}

/**
 * Structure and descriptions only: every validation keyword removed, and every object with declared
 * properties keeps unknown fields, so a misspelt nested field reaches validateSpec (which names it)
 * instead of being pruned silently.
 */
export function loosen(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...toStructural(schema) };
  for (const keyword of VALIDATION_KEYWORDS) delete out[keyword];
  if (out.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, loosen(v)]));
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (out.items !== undefined) out.items = loosen(out.items);
  if (typeof out.additionalProperties === 'object') out.additionalProperties = loosen(out.additionalProperties);
  return out;
}

/** One type's version of a node, e.g. kafka's `tls`. */
interface Variant {
  readonly types: readonly string[];
  readonly schema: JsonSchema;
}

/**
 * The union of the properties of several types' loosened config schemas. Each property's description
 * is prefixed with the types that use it ("(kafka, clickhouse) …"); equal structures merge; objects
 * and arrays merge recursively; a conflict of JSON types becomes an untyped node that keeps any value.
 */
export function mergeConfigProperties(schemas: Readonly<Record<string, JsonSchema>>): Record<string, JsonSchema> {
  const variants = Object.entries(schemas).map(([type, schema]) => ({ types: [type], schema: loosen(schema) }));
  return mergeProperties(variants, true);
}

function mergeProperties(variants: readonly Variant[], prefixTypes: boolean): Record<string, JsonSchema> {
  const keys: string[] = [];
  for (const v of variants) for (const key of Object.keys(v.schema.properties ?? {})) if (!keys.includes(key)) keys.push(key);
  const merged: Record<string, JsonSchema> = {};
  for (const key of keys) {
    const having = variants.flatMap((v) => {
      const child = v.schema.properties?.[key];
      return child === undefined ? [] : [{ types: v.types, schema: child }];
    });
    merged[key] = mergeVariants(having, prefixTypes);
  }
  return merged;
}

function mergeVariants(variants: readonly Variant[], prefixTypes: boolean): JsonSchema {
  const description = combineDescriptions(variants, prefixTypes);
  const first = variants[0];
  if (first === undefined) throw new Error('mergeVariants needs at least one variant');
  const kinds = new Set(variants.map((v) => v.schema.type ?? 'untyped'));
  const [kind] = kinds;
  if (kinds.size !== 1 || kind === 'untyped') {
    if (variants.every((v) => shape(v.schema) === shape(first.schema))) return { ...first.schema, description };
    return { description, 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (kind === 'array') {
    const items = variants.flatMap((v) => (v.schema.items === undefined ? [] : [{ types: v.types, schema: v.schema.items }]));
    return items.length === 0 ? { type: 'array', description } : { type: 'array', description, items: mergeVariants(items, false) };
  }
  if (kind === 'object') {
    const maps = variants.filter((v) => typeof v.schema.additionalProperties === 'object');
    const records = variants.filter((v) => v.schema.properties !== undefined);
    if (maps.length > 0 && records.length > 0) return { description, 'x-kubernetes-preserve-unknown-fields': true };
    if (maps.length > 0) {
      const values = maps.map((v) => ({ types: v.types, schema: v.schema.additionalProperties as JsonSchema }));
      return { type: 'object', description, additionalProperties: mergeVariants(values, false) };
    }
    const node: JsonSchema = { type: 'object', description };
    if (records.length > 0) node.properties = mergeProperties(records, false);
    if (variants.some((v) => v.schema['x-kubernetes-preserve-unknown-fields'] === true)) node['x-kubernetes-preserve-unknown-fields'] = true;
    return node;
  }
  return kind === undefined ? { description } : { type: kind, description };
}

/** The structure of a node without its descriptions, for equality. */
function shape(schema: JsonSchema): string {
  return stableStringify(withoutDescriptions(schema));
}

function withoutDescriptions(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  delete out.description;
  if (out.properties !== undefined) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, withoutDescriptions(v)]));
  }
  if (out.items !== undefined) out.items = withoutDescriptions(out.items);
  if (typeof out.additionalProperties === 'object') out.additionalProperties = withoutDescriptions(out.additionalProperties);
  return out;
}

function combineDescriptions(variants: readonly Variant[], prefixTypes: boolean): string {
  const byText = new Map<string, string[]>();
  for (const v of variants) {
    const text = v.schema.description ?? '';
    byText.set(text, [...(byText.get(text) ?? []), ...v.types]);
  }
  if (!prefixTypes && byText.size === 1) return [...byText.keys()][0] ?? '';
  return [...byText.entries()].map(([text, types]) => `(${types.join(', ')}) ${text}`.trim()).join(' ');
}
