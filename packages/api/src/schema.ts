// The DataFlow schemas, assembled from the per-connector and per-transformation pieces:
// - dataFlowSpecSchema(): the full JSON Schema validateSpec runs with ajv (and editors use): every
//   `config` is checked against the schema of its `type` through if/then.
// - crdOpenApiSchema(): the Kubernetes structural openAPIV3Schema of the CRD. Per-type detail cannot
//   be expressed structurally, so `config` is the merged union of all types (validation stripped) and
//   CEL rules reject only the obvious mistakes at admission (house-style.md §2.3).
import { SINK_TYPES, SOURCE_TYPES, sinkSchemas, sourceSchemas } from './connectors/index.js';
import { mergeConfigProperties, toStructural } from './crd-structural.js';
import { PHASES } from './dataflow.js';
import { API_VERSION, KIND } from './group.js';
import { arr, int, map, obj, str } from './json-schema.js';
import type { CelRule, JsonSchema } from './json-schema.js';
import { MAX_ROUTES, MAX_TRANSFORMATIONS, topLevelFieldSchemas } from './spec-fields.js';
import { TRANSFORM_TYPES, transformSchemas } from './transforms.js';

/** JSON Schema keywords ajv and editors understand beyond the structural subset in json-schema.ts. */
export interface ValidatorSchema extends JsonSchema {
  properties?: Record<string, ValidatorSchema>;
  $schema?: string;
  title?: string;
  const?: string;
  allOf?: ValidatorSchema[];
  if?: ValidatorSchema;
  then?: ValidatorSchema;
}

type Role = 'source' | 'sink';

const ROLE_TEXT: Record<Role, { what: string; types: readonly string[] }> = {
  source: { what: 'Source connector', types: SOURCE_TYPES },
  sink: { what: 'Sink connector', types: SINK_TYPES },
};

const LEGACY_DESCRIPTION = 'Legacy nested shape; normalised to config. Write config instead.';

/** Type names are short identifiers; the bound keeps the CRD's CEL cost estimate small. */
const TYPE_MAX_LENGTH = 63;

// ---------------------------------------------------------------------------------------------
// Validator schema (ajv, editors)

function typedItem(
  description: string,
  typeDescription: string,
  types: readonly string[],
  configSchemas: Readonly<Record<string, JsonSchema>>,
): ValidatorSchema {
  const item: ValidatorSchema = obj(description, {
    type: str(typeDescription, { enum: types }),
    config: { type: 'object', description: 'Settings of the chosen type; see the schema of each type.' },
  }, ['type']);
  item.allOf = types.map((type) => ({
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: { properties: { config: configSchemas[type] ?? {} } },
  }));
  return item;
}

function connectorItem(role: Role, description: string): ValidatorSchema {
  const schemas: Readonly<Record<string, JsonSchema>> = role === 'source' ? sourceSchemas : sinkSchemas;
  const { what, types } = ROLE_TEXT[role];
  return typedItem(description, `${what} type: ${types.join(', ')}.`, types, schemas);
}

/** The router's schema with each route's `sink` replaced by the full sink item schema. */
function routerWithTypedSinks(sinkItem: JsonSchema): JsonSchema {
  const router = structuredClone(transformSchemas.router);
  const routes = router.properties?.['routes'];
  const route = routes?.items;
  if (routes === undefined || route?.properties?.['sink'] === undefined) {
    throw new Error('transformSchemas.router must declare routes[].sink');
  }
  route.properties['sink'] = sinkItem;
  routes.maxItems = MAX_ROUTES;
  return router;
}

function transformationItem(): ValidatorSchema {
  const schemas: Record<string, JsonSchema> = {
    ...transformSchemas,
    router: routerWithTypedSinks(connectorItem('sink', 'Sink that receives the messages matching this route.')),
  };
  return typedItem(
    'One transformation: { type, config }.',
    `Transformation type: ${TRANSFORM_TYPES.join(', ')}.`,
    TRANSFORM_TYPES,
    schemas,
  );
}

/** The spec schema validateSpec checks with ajv after normalising the legacy shape. */
export function dataFlowSpecSchema(): ValidatorSchema {
  return obj(
    'Desired state of a DataFlow: one source, an ordered list of transformations, one sink and an optional error sink.',
    {
      source: connectorItem('source', 'Where messages are read from: { type, config }.'),
      transformations: arr('Transformations applied to every message, in list order.', transformationItem(), {
        maxItems: MAX_TRANSFORMATIONS,
      }),
      sink: connectorItem('sink', 'Where messages are written: { type, config }.'),
      errors: connectorItem(
        'sink',
        'Error sink (dead-letter destination): receives, with the error, every message that failed a transformation or could not be written.',
      ),
      ...topLevelFieldSchemas(),
    },
    ['source', 'sink'],
  );
}

/** A whole DataFlow document, for editors (`dataflow schema`); status is the controller's. */
export function dataFlowDocumentSchema(): ValidatorSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'DataFlow',
    type: 'object',
    description: 'A DataFlow streams messages from a source through transformations to a sink.',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { type: 'string', description: 'API version.', const: API_VERSION },
      kind: { type: 'string', description: 'Kind.', const: KIND },
      metadata: {
        type: 'object',
        description: 'Standard object metadata; name is required.',
        required: ['name'],
        properties: {
          name: str('Name of the flow: a DNS-1123 subdomain of at most 63 characters.', { maxLength: 63 }),
          namespace: str('Namespace of the flow.'),
        },
      },
      spec: dataFlowSpecSchema(),
      status: { type: 'object', description: 'Observed state, written by the controller.' },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CRD (structural) schema

/**
 * Fields without which a connector cannot start, each group "at least one of" (a literal, its
 * SecretRef, or for polling sources a query). Fields a type's schema marks required are added
 * automatically; the CEL rules are generated from this table.
 */
const CONNECTOR_MUST_HAVE: Record<Role, Record<string, readonly (readonly string[])[]>> = {
  source: {
    kafka: [['brokers', 'brokersSecretRef'], ['topic', 'topicSecretRef']],
    postgresql: [['connectionString', 'connectionStringSecretRef'], ['table', 'tableSecretRef', 'query']],
    clickhouse: [['connectionString', 'connectionStringSecretRef'], ['table', 'tableSecretRef', 'query']],
    trino: [['serverURL', 'serverURLSecretRef'], ['catalog', 'catalogSecretRef'], ['schema', 'schemaSecretRef'], ['table', 'tableSecretRef', 'query']],
  },
  sink: {
    kafka: [['brokers', 'brokersSecretRef'], ['topic', 'topicSecretRef']],
    postgresql: [['connectionString', 'connectionStringSecretRef'], ['table', 'tableSecretRef']],
    clickhouse: [['connectionString', 'connectionStringSecretRef'], ['table', 'tableSecretRef']],
    trino: [['serverURL', 'serverURLSecretRef'], ['catalog', 'catalogSecretRef'], ['schema', 'schemaSecretRef'], ['table', 'tableSecretRef']],
  },
};

/** The must-have groups of one type: its schema's `required` plus the table above. */
export function mustHaveGroups(schema: JsonSchema, extra: readonly (readonly string[])[] = []): string[][] {
  const groups = [...(schema.required ?? []).map((field) => [field]), ...extra.map((g) => [...g])];
  const seen = new Set<string>();
  return groups.filter((g) => {
    const key = g.join('|');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Connector must-haves per type, for the CEL rules and the test that keeps them honest. */
export function connectorMustHaves(role: Role): Record<string, string[][]> {
  const schemas: Readonly<Record<string, JsonSchema>> = role === 'source' ? sourceSchemas : sinkSchemas;
  return Object.fromEntries(
    Object.entries(schemas).map(([type, schema]) => [type, mustHaveGroups(schema, CONNECTOR_MUST_HAVE[role][type])]),
  );
}

export function transformMustHaves(): Record<string, string[][]> {
  return Object.fromEntries(Object.entries(transformSchemas).map(([type, schema]) => [type, mustHaveGroups(schema)]));
}

// CEL: `has()` needs a field name that is an identifier; Kubernetes escapes reserved words.
const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

function celField(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`CEL rule on field "${name}" needs escaping support`);
  return CEL_RESERVED.has(name) ? `__${name}__` : name;
}

/**
 * One rule per type with must-haves: the legacy nested key satisfies it (the controller normalises it
 * and validateSpec checks its content), otherwise config must carry one field of every group.
 */
function mustHaveRules(what: string, byType: Record<string, string[][]>, config: JsonSchema): CelRule[] {
  const rules: CelRule[] = [];
  // CEL can only test fields the structural schema types: a field left untyped because types disagree
  // across connectors/transforms (e.g. `fields`: a list for mask, a map for insertField) is rejected by
  // the API server inside has(). Those must-haves are left to validateSpec (SpecValid condition).
  const typed = (field: string): boolean => config.properties?.[field]?.type !== undefined;
  for (const [type, allGroups] of Object.entries(byType)) {
    const groups = allGroups.filter((g) => g.every(typed));
    if (groups.length === 0) continue;
    const checks = groups.map((g) => {
      const any = g.map((f) => `has(self.config.${celField(f)})`).join(' || ');
      return g.length > 1 ? `(${any})` : any;
    });
    const needs = groups.map((g) => g.join(' or ')).join('; ');
    rules.push({
      rule: `self.type != '${type}' || has(self.${celField(type)}) || (has(self.config) && ${checks.join(' && ')})`,
      message: `${what} of type ${type} needs config: ${needs}`,
    });
  }
  return rules;
}

function legacyKeys(types: readonly string[]): Record<string, JsonSchema> {
  return Object.fromEntries(
    types.map((type) => [type, { type: 'object', description: LEGACY_DESCRIPTION, 'x-kubernetes-preserve-unknown-fields': true } satisfies JsonSchema]),
  );
}

function crdItem(
  description: string,
  typeDescription: string,
  types: readonly string[],
  legacy: readonly string[],
  config: JsonSchema,
  rules: CelRule[],
): JsonSchema {
  const item: JsonSchema = {
    type: 'object',
    description,
    required: ['type'],
    properties: {
      type: str(typeDescription, { enum: types, maxLength: TYPE_MAX_LENGTH }),
      config,
      ...legacyKeys(legacy),
    },
  };
  if (rules.length > 0) item['x-kubernetes-validations'] = rules;
  return item;
}

function crdConfig(description: string, schemas: Readonly<Record<string, JsonSchema>>): JsonSchema {
  return {
    type: 'object',
    description: `${description} Every type's fields are listed, prefixed with the types that use them; the full per-type check runs in the controller and the worker (validateSpec) and is reported in the SpecValid condition.`,
    properties: mergeConfigProperties(schemas),
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

const CONNECTOR_LEGACY_KEYS = [...new Set<string>([...SOURCE_TYPES, ...SINK_TYPES])];

function crdConnectorItem(role: Role, description: string, what: string): JsonSchema {
  const schemas: Readonly<Record<string, JsonSchema>> = role === 'source' ? sourceSchemas : sinkSchemas;
  const { types } = ROLE_TEXT[role];
  const config = crdConfig(`${ROLE_TEXT[role].what} settings.`, schemas);
  return crdItem(
    description,
    `${ROLE_TEXT[role].what} type: ${types.join(', ')}.`,
    types,
    CONNECTOR_LEGACY_KEYS,
    config,
    mustHaveRules(what, connectorMustHaves(role), config),
  );
}

function crdTransformationItem(): JsonSchema {
  const config = crdConfig('Transformation settings.', transformSchemas);
  const routes = config.properties?.['routes'];
  const route = routes?.items;
  if (routes === undefined || route?.properties?.['sink'] === undefined) throw new Error('merged transformation config lacks routes[].sink');
  route.properties['sink'] = crdConnectorItem('sink', 'Sink that receives the messages matching this route.', 'a route sink');
  routes.maxItems = MAX_ROUTES;
  return crdItem(
    'One transformation: { type, config }.',
    `Transformation type: ${TRANSFORM_TYPES.join(', ')}.`,
    TRANSFORM_TYPES,
    TRANSFORM_TYPES,
    config,
    mustHaveRules('a transformation', transformMustHaves(), config),
  );
}

function crdSpecSchema(): JsonSchema {
  const fields = Object.fromEntries(Object.entries(topLevelFieldSchemas()).map(([k, v]) => [k, toStructural(v)]));
  return {
    type: 'object',
    description: 'Desired state of a DataFlow: one source, an ordered list of transformations, one sink and an optional error sink.',
    required: ['source', 'sink'],
    properties: {
      source: crdConnectorItem('source', 'Where messages are read from: { type, config }.', 'a source'),
      transformations: arr(
        'Transformations applied to every message, in list order.',
        crdTransformationItem(),
        { maxItems: MAX_TRANSFORMATIONS },
      ),
      sink: crdConnectorItem('sink', 'Where messages are written: { type, config }.', 'a sink'),
      errors: crdConnectorItem(
        'sink',
        'Error sink (dead-letter destination): receives, with the error, every message that failed a transformation or could not be written.',
        'the error sink',
      ),
      ...fields,
    },
    'x-kubernetes-validations': [
      {
        rule: "!has(self.replicas) || self.replicas <= 1 || self.source.type == 'kafka'",
        message: 'replicas above 1 need a kafka source: only a consumer group can share the input between workers',
        fieldPath: '.replicas',
      },
    ],
  };
}

function conditionSchema(): JsonSchema {
  return obj(
    'One aspect of the flow state (metav1.Condition).',
    {
      type: str('Condition type: Ready, SpecValid, WorkerAvailable or Degraded.', { minLength: 1, maxLength: 316 }),
      status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
      reason: str('CamelCase reason of the last transition.', { maxLength: 1024 }),
      message: str('Human-readable detail.', { maxLength: 32768 }),
      lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
      observedGeneration: int('metadata.generation the condition was computed from.', { minimum: 0, format: 'int64' }),
    },
    ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
  );
}

function counter(description: string): JsonSchema {
  return int(description, { minimum: 0, format: 'int64' });
}

/** `who` names whose counts these are, e.g. "this pod". */
function workerCountsProperties(who: string): Record<string, JsonSchema> {
  return {
    processed: counter(`Messages ${who} committed (written, filtered or dead-lettered).`),
    errors: counter(`Record-level failures ${who} saw.`),
    filtered: counter(`Messages ${who} dropped by a filter.`),
    deadLettered: counter(`Messages ${who} wrote to the error sink.`),
    lastProcessedTime: str(`When ${who} last committed a message.`, { format: 'date-time' }),
  };
}

function workerReportSchema(): JsonSchema {
  return obj(
    'Counts one worker pod reports about itself, cumulative since the pod was created.',
    {
      ...workerCountsProperties('this pod'),
      heartbeat: str('When the pod last reported; an old heartbeat marks the flow Degraded.', { format: 'date-time' }),
      startedAt: str('When the worker process started.', { format: 'date-time' }),
      error: str(
        'Why this pod cannot make progress (e.g. a sink keeps refusing writes, or a failed record without an error sink stopped the flow); absent while healthy. Marks the flow Degraded.',
        { maxLength: 4096 },
      ),
    },
    ['processed', 'errors', 'filtered', 'deadLettered', 'heartbeat'],
  );
}

export function dataFlowStatusSchema(): JsonSchema {
  return obj('Observed state of the DataFlow, written by the controller (and the counts by the worker pods).', {
    phase: str(`Summary of the state: ${PHASES.join(', ')}.`, { enum: PHASES }),
    message: str('Human-readable explanation of the phase.'),
    observedGeneration: int('metadata.generation the controller last acted on.', { minimum: 0, format: 'int64' }),
    conditions: arr('Ready, SpecValid, WorkerAvailable and Degraded conditions.', conditionSchema(), {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
    processedCount: counter('Messages written to a sink (main or route), total for the flow across pod restarts and replicas.'),
    errorCount: counter('Messages that failed (transformation or write error), total for the flow.'),
    filteredCount: counter('Messages dropped by a filter, total for the flow.'),
    deadLetteredCount: counter('Failed messages written to the error sink, total for the flow.'),
    lastProcessedTime: str('When a worker last wrote a message.', { format: 'date-time' }),
    workers: map(
      'Per-pod reports keyed by pod name, each written by that worker pod; the controller sums them into the counts.',
      workerReportSchema(),
    ),
    retired: obj('Counts of worker pods that are gone, kept by the controller so the totals never go down.', workerCountsProperties('the retired pods')),
    replicas: int('Worker pods observed (scale subresource).', { minimum: 0, format: 'int32' }),
    selector: str('Label selector of the worker pods (scale subresource).'),
    workerConfigHash: str('Hash of the worker config the pods run (the pod-template annotation).'),
  });
}

/** The CRD's openAPIV3Schema: structural, described everywhere, with CEL must-have rules. */
export function crdOpenApiSchema(): JsonSchema {
  return {
    type: 'object',
    description:
      'DataFlow streams messages from one source (Kafka, PostgreSQL, ClickHouse, Trino …) through ordered transformations to a sink. ' +
      'The operator runs one worker Deployment per DataFlow.',
    required: ['spec'],
    properties: {
      apiVersion: str('Versioned schema of this representation of an object.'),
      kind: str('REST resource this object represents.'),
      // The API server allows nothing but `type` here (not even a description): metadata is implicit.
      metadata: { type: 'object' },
      spec: crdSpecSchema(),
      status: toStructural(dataFlowStatusSchema()),
    },
  };
}
