// applyDefaults: the effective spec, explicit and pure (the input is never modified).
// Two kinds of defaults:
//   - schema defaults: every `default` in the schema of an item's type (kafka startOffset,
//     postgresql batchSize …) and of the top-level fields (replicas, channelBufferSize …), applied by
//     walking the schema, so a default is written in exactly one place;
//   - computed defaults: the Kafka consumer group `<namespace>.<name>` (one group per flow, never the
//     shared upstream default, upstream-reference.md §9.3), worker resources when absent, the
//     checkpoint save interval.
// The CRD carries only the top-level defaults; config defaults never reach the API server, because
// its `config` schema is a union of all types (see crd-structural.ts).
import { sinkSchemas, sourceSchemas } from './connectors/index.js';
import type { DataFlowSpec } from './dataflow.js';
import type { JsonSchema } from './json-schema.js';
import { cloneJson, isPlainObject } from './json-util.js';
import type { JsonObject } from './json-util.js';
import { defaultConsumerGroup } from './naming.js';
import { DEFAULT_CHECKPOINT_SAVE_INTERVAL, DEFAULT_RESOURCES, topLevelFieldSchemas } from './spec-fields.js';
import { transformSchemas } from './transforms.js';

export interface FlowIdentity {
  namespace: string;
  name: string;
}

/** Fills absent properties of `value` from `schema` defaults, recursing into present values only. */
function fillDefaults(value: unknown, schema: JsonSchema | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) fillDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined) {
      if (property.default !== undefined) value[key] = cloneJson(property.default);
    } else {
      fillDefaults(value[key], property);
    }
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!Object.hasOwn(schema.properties ?? {}, key)) fillDefaults(item, schema.additionalProperties);
    }
  }
}

function schemaOf(schemas: Readonly<Record<string, JsonSchema>>, type: unknown): JsonSchema | undefined {
  return typeof type === 'string' && Object.hasOwn(schemas, type) ? schemas[type] : undefined;
}

function fillItem(item: unknown, schemas: Readonly<Record<string, JsonSchema>>): void {
  if (!isPlainObject(item)) return;
  if (item['config'] === undefined) item['config'] = {};
  fillDefaults(item['config'], schemaOf(schemas, item['type']));
}

/**
 * The spec with every default applied. `flow` (namespace and name) is needed for the Kafka consumer
 * group; without it the group stays unset. Expects a normalised spec (validateSpec returns one).
 */
export function applyDefaults(spec: DataFlowSpec, flow?: FlowIdentity): DataFlowSpec {
  const out = cloneJson(spec) as unknown as JsonObject;

  for (const [field, schema] of Object.entries(topLevelFieldSchemas())) {
    if (out[field] === undefined && schema.default !== undefined) out[field] = cloneJson(schema.default);
  }
  if (out['resources'] === undefined) out['resources'] = cloneJson(DEFAULT_RESOURCES);
  if (out['checkpointSaveInterval'] === undefined) out['checkpointSaveInterval'] = DEFAULT_CHECKPOINT_SAVE_INTERVAL;

  fillItem(out['source'], sourceSchemas);
  fillItem(out['sink'], sinkSchemas);
  if (out['errors'] !== undefined) fillItem(out['errors'], sinkSchemas);

  const transformations = out['transformations'];
  if (Array.isArray(transformations)) {
    for (const item of transformations) {
      fillItem(item, transformSchemas);
      if (!isPlainObject(item) || item['type'] !== 'router' || !isPlainObject(item['config'])) continue;
      const routes = item['config']['routes'];
      if (!Array.isArray(routes)) continue;
      for (const route of routes) if (isPlainObject(route)) fillItem(route['sink'], sinkSchemas);
    }
  }

  const source = out['source'];
  if (flow !== undefined && isPlainObject(source) && source['type'] === 'kafka' && isPlainObject(source['config'])) {
    const config = source['config'];
    if (config['consumerGroup'] === undefined && config['consumerGroupSecretRef'] === undefined) {
      config['consumerGroup'] = defaultConsumerGroup(flow.namespace, flow.name);
    }
  }
  return out as unknown as DataFlowSpec;
}
