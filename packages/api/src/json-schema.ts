// A small, typed subset of JSON Schema (draft 2020-12 / OpenAPI v3 structural) and builders for it.
// Every builder requires a description: the CRD is generated from these objects, and a
// description on every field is what makes `kubectl explain` teach the API.

export type JsonSchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface CelRule {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
}

export interface JsonSchema {
  type?: JsonSchemaType;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: readonly (string | number | boolean)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  pattern?: string;
  format?: string;
  nullable?: boolean;
  /** ajv-only: at least one of these property sets must be present (not emitted into the CRD). */
  anyOf?: JsonSchema[];
  not?: JsonSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

type Extra = Omit<JsonSchema, 'type' | 'description'>;

export function str(description: string, extra: Extra = {}): JsonSchema {
  return { type: 'string', description, ...extra };
}

export function int(description: string, extra: Extra = {}): JsonSchema {
  return { type: 'integer', description, ...extra };
}

export function num(description: string, extra: Extra = {}): JsonSchema {
  return { type: 'number', description, ...extra };
}

export function bool(description: string, extra: Extra = {}): JsonSchema {
  return { type: 'boolean', description, ...extra };
}

export function arr(description: string, items: JsonSchema, extra: Extra = {}): JsonSchema {
  return { type: 'array', description, items, ...extra };
}

/** A closed object: unknown properties are an error in validateSpec (and pruned by the API server). */
export function obj(
  description: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
  extra: Extra = {},
): JsonSchema {
  const schema: JsonSchema = { type: 'object', description, properties, additionalProperties: false, ...extra };
  if (required.length > 0) schema.required = [...required];
  return schema;
}

/** A string-keyed map whose values all follow one schema. */
export function map(description: string, values: JsonSchema, extra: Extra = {}): JsonSchema {
  return { type: 'object', description, additionalProperties: values, ...extra };
}

/** An opaque Kubernetes-native object (resources, affinity …) validated by the API server itself. */
export function kubeObject(description: string): JsonSchema {
  return { type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true };
}
