// Transformation configs: the TypeScript types, their closed JSON schemas and the semantic checks a
// schema cannot express (paths and conditions parse, formats and time zones are known …).
// Semantics follow upstream-reference.md §2 with the bugs of §9.33 fixed; every path uses the one
// dialect of expr/path.ts and every condition the grammar of expr/condition.ts.
import type { SinkSpec } from './dataflow.js';
import { ExpressionError } from './expr/errors.js';
import { parseCondition } from './expr/condition.js';
import { parseHeaderMapping, parseRename } from './expr/mapping.js';
import { formatPath, parsePath } from './expr/path.js';
import { joinPath } from './issues.js';
import type { SpecIssue } from './issues.js';
import { arr, bool, map, obj, str } from './json-schema.js';
import type { JsonSchema } from './json-schema.js';

export const TRANSFORM_TYPES = [
  'timestamp',
  'flatten',
  'filter',
  'mask',
  'router',
  'select',
  'remove',
  'snakeCase',
  'camelCase',
  'debeziumUnwrap',
  'replaceField',
  'headersToPayload',
  'structFlatten',
  'extractField',
  'hoistField',
  'cast',
  'timezone',
  'insertField',
] as const satisfies readonly (keyof TransformConfigs)[];

/** Named `timestamp.format` values; anything else must be a Go reference-time layout. */
export const TIMESTAMP_NAMED_FORMATS = [
  'RFC3339',
  'RFC3339Nano',
  'ISO8601',
  'Unix',
  'UnixMilli',
  'UnixMicro',
  'UnixNano',
  'DateTime',
  'DateOnly',
  'TimeOnly',
  'ANSIC',
  'UnixDate',
  'RubyDate',
  'RFC822',
  'RFC822Z',
  'RFC850',
  'RFC1123',
  'RFC1123Z',
  'Kitchen',
  'Stamp',
  'StampMilli',
  'StampMicro',
  'StampNano',
] as const;
export type TimestampNamedFormat = (typeof TIMESTAMP_NAMED_FORMATS)[number];

/** Go layout tokens; a custom `timestamp.format` must contain at least one. */
export const GO_LAYOUT_TOKENS = [
  '2006', '06', 'January', 'Jan', '01', 'Monday', 'Mon', '02', '_2', '002',
  '15', '03', '04', '05', 'PM', 'pm', 'MST', 'Z07:00', 'Z0700', '-07:00', '-0700', '-07',
] as const;

export const CAST_TARGETS = ['string', 'int64', 'float64', 'bool', 'null'] as const;
export type CastTarget = (typeof CAST_TARGETS)[number];

export const TIMEZONE_FORMATS = ['RFC3339Nano', 'RFC3339', 'UnixMilli'] as const;
export type TimezoneFormat = (typeof TIMEZONE_FORMATS)[number];

export const CAMEL_CASE_STYLES = ['pascal', 'camel'] as const;
export type CamelCaseStyle = (typeof CAMEL_CASE_STYLES)[number];

export interface TimestampConfig {
  /** Path written with the current time; default `created_at`. */
  fieldName?: string;
  /** A named format (TIMESTAMP_NAMED_FORMATS) or a Go layout; default `RFC3339`. */
  format?: string;
}
export interface FlattenConfig {
  field: string;
}
export interface FilterConfig {
  condition: string;
}
export interface MaskConfig {
  fields: string[];
  /** Default `*`; may be several characters. */
  maskChar?: string;
  /** Default false: always three mask characters. */
  keepLength?: boolean;
}
export interface RouterRoute {
  /** Output name; default `route[<index>]` (see normalizeRouteName). */
  name?: string;
  condition: string;
  sink: SinkSpec;
}
export interface RouterConfig {
  routes: RouterRoute[];
}
export interface SelectConfig {
  fields: string[];
}
export interface RemoveConfig {
  fields: string[];
}
export interface SnakeCaseConfig {
  deep?: boolean;
}
export interface CamelCaseConfig {
  deep?: boolean;
  /** Default `pascal` (upstream's output: `first_name` → `FirstName`); `camel` gives `firstName`. */
  style?: CamelCaseStyle;
}
export interface DebeziumUnwrapConfig {
  inferDeleteFromTombstone?: boolean;
  includeSourceInMetadata?: boolean;
  snapshotOperation?: 'insert' | 'update';
  addOperationFields?: boolean;
  addSourceFields?: string[];
}
export interface ReplaceFieldConfig {
  /** `old.path:new.path` pairs. */
  renames?: string[];
  include?: string[];
  exclude?: string[];
}
export interface HeadersToPayloadConfig {
  /** `Header-Name:target.path` pairs. */
  mappings: string[];
}
export interface StructFlattenConfig {
  /** Default `.`. */
  delimiter?: string;
}
export interface ExtractFieldConfig {
  field: string;
}
export interface HoistFieldConfig {
  field: string;
}
export interface CastConfig {
  spec: Record<string, CastTarget>;
}
export interface TimezoneConfig {
  timezone: string;
  fields: string[];
  /** Default `UTC`. */
  sourceTimezone?: string;
  /** Default `RFC3339Nano`. */
  format?: TimezoneFormat;
}
export interface InsertFieldConfig {
  /** Path → value template (`text`, `${metadata.key}`, `${now}`, `json:<value>`). */
  fields: Record<string, string>;
}

export interface TransformConfigs {
  timestamp: TimestampConfig;
  flatten: FlattenConfig;
  filter: FilterConfig;
  mask: MaskConfig;
  router: RouterConfig;
  select: SelectConfig;
  remove: RemoveConfig;
  snakeCase: SnakeCaseConfig;
  camelCase: CamelCaseConfig;
  debeziumUnwrap: DebeziumUnwrapConfig;
  replaceField: ReplaceFieldConfig;
  headersToPayload: HeadersToPayloadConfig;
  structFlatten: StructFlattenConfig;
  extractField: ExtractFieldConfig;
  hoistField: HoistFieldConfig;
  cast: CastConfig;
  timezone: TimezoneConfig;
  insertField: InsertFieldConfig;
}

// ---------------------------------------------------------------------------------------------
// Schemas

const PATH_SYNTAX =
  'Path syntax: dot-separated keys with an optional "$." prefix; [n] or .n for array indexes; ' +
  '"\\." for a literal dot; [\'a b\'] for any other key. Wildcards and filters are not supported.';

function pathField(what: string, extra: Parameters<typeof str>[1] = {}): JsonSchema {
  return str(`${what} ${PATH_SYNTAX}`, { minLength: 1, ...extra });
}

function pathList(what: string): JsonSchema {
  return arr(what, str(`A field path. ${PATH_SYNTAX}`, { minLength: 1 }), { minItems: 1 });
}

const CONDITION_SYNTAX =
  'Grammar: a path alone tests truthiness (missing, null, false, "", 0 and "false" are false); ' +
  "path == literal, path != literal (the field must exist), <, <=, >, >= for numbers or strings; " +
  "combine with &&, ||, ! and parentheses. Literals are typed: 'text' or \"text\" (quotes required), " +
  'numbers, true, false, null. Example: $.status == \'active\' && $.amount > 100.';

const routeSinkSchema: JsonSchema = {
  type: 'object',
  description: 'Where messages matching this route are written instead of the main sink: { type, config } as for spec.sink.',
  properties: {
    type: str('Sink connector type, as for spec.sink.type.'),
    config: {
      type: 'object',
      description: 'Sink connector settings, as for spec.sink.config.',
      'x-kubernetes-preserve-unknown-fields': true,
    },
  },
  required: ['type'],
};

export const transformSchemas: Record<keyof TransformConfigs, JsonSchema> = {
  timestamp: obj('Adds the current time to each JSON object message.', {
    fieldName: pathField('Field that receives the time (nested objects are created; an existing value is overwritten).', {
      default: 'created_at',
    }),
    format: str(
      `Time format: one of ${TIMESTAMP_NAMED_FORMATS.join(', ')} (Unix* are numbers, the others strings), ` +
        'or a Go reference-time layout such as "2006-01-02 15:04:05".',
      { minLength: 1, default: 'RFC3339' },
    ),
  }),
  flatten: obj(
    'Splits a message into one message per element of an array field; object elements are merged into the top level.',
    { field: pathField('The array field to expand.') },
    ['field'],
  ),
  filter: obj(
    'Keeps only the messages for which the condition is true; the others are dropped (counted as filtered).',
    { condition: str(`The condition. ${CONDITION_SYNTAX}`, { minLength: 1 }) },
    ['condition'],
  ),
  mask: obj(
    'Replaces the values of fields with mask characters (numbers, booleans and objects become mask strings too).',
    {
      fields: pathList('Fields to mask; missing ones are skipped.'),
      maskChar: str('The mask character (or string) that is repeated.', { minLength: 1, default: '*' }),
      keepLength: bool('Repeat the mask as many times as the value has characters; otherwise exactly three times.', {
        default: false,
      }),
    },
    ['fields'],
  ),
  router: obj(
    'Sends each message to the sink of the first route whose condition matches; unmatched messages go to the main sink.',
    {
      routes: arr(
        'Routes, tried in order; the first match wins.',
        obj(
          'A route: a condition and the sink that receives matching messages.',
          {
            name: str(
              'Name of the route, used in metrics and logs (lower-case letters, digits and "-"); default "route[<index>]".',
              { minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
            ),
            condition: str(`The condition. ${CONDITION_SYNTAX}`, { minLength: 1 }),
            sink: routeSinkSchema,
          },
          ['condition', 'sink'],
        ),
        { minItems: 1 },
      ),
    },
    ['routes'],
  ),
  select: obj(
    'Replaces the message with a flat object holding only the listed fields, each under its last path segment. ' +
      'When none of them exists the result is an empty object.',
    { fields: pathList('Fields to keep; missing ones are skipped.') },
    ['fields'],
  ),
  remove: obj('Deletes fields from the message (array elements are removed, not nulled).', {
    fields: pathList('Fields to delete; missing ones are skipped.'),
  }, ['fields']),
  snakeCase: obj('Converts object keys to snake_case (firstName → first_name, UserID → user_id).', {
    deep: bool('Also convert keys of nested objects and of objects inside arrays.', { default: false }),
  }),
  camelCase: obj('Converts object keys from snake_case (first_name → FirstName, or firstName with style camel).', {
    deep: bool('Also convert keys of nested objects and of objects inside arrays.', { default: false }),
    style: str('pascal (upstream behaviour: FirstName) or camel (firstName).', {
      enum: CAMEL_CASE_STYLES,
      default: 'pascal',
    }),
  }),
  debeziumUnwrap: obj('Turns a Debezium change-event envelope into the row it carries, with the operation in metadata.', {
    inferDeleteFromTombstone: bool(
      'Turn a tombstone (empty value) into a delete message built from the JSON key; otherwise tombstones are dropped.',
      { default: false },
    ),
    includeSourceInMetadata: bool('Copy payload.source fields into metadata as source_<field>.', { default: false }),
    snapshotOperation: str('Operation reported for snapshot reads (op "r").', {
      enum: ['insert', 'update'],
      default: 'insert',
    }),
    addOperationFields: bool('Add __op (the operation letter) and __deleted ("true"/"false") to the row.', {
      default: false,
    }),
    addSourceFields: arr(
      'payload.source keys copied into the row as source_<key> (missing ones skipped).',
      str('A key of payload.source.', { minLength: 1 }),
      { default: [] },
    ),
  }),
  replaceField: obj(
    'Renames fields and/or keeps (include) or drops (exclude) fields, preserving nesting. ' +
      'At least one of renames, include, exclude; include and exclude are mutually exclusive.',
    {
      renames: arr(
        'Moves, each written "old.path:new.path" (escape a literal ":" in a key as "\\:").',
        str(`A rename "old.path:new.path". ${PATH_SYNTAX}`, { minLength: 3 }),
        { minItems: 1 },
      ),
      include: pathList('Fields to keep; everything else is removed.'),
      exclude: pathList('Fields to remove.'),
    },
  ),
  headersToPayload: obj('Copies message headers (for example Kafka headers) into the payload.', {
    mappings: arr(
      'Copies, each written "Header-Name:target.path"; missing headers are skipped.',
      str(`A mapping "Header-Name:target.path". ${PATH_SYNTAX}`, { minLength: 3 }),
      { minItems: 1 },
    ),
  }, ['mappings']),
  structFlatten: obj('Flattens nested objects into one level, joining keys with the delimiter; arrays are kept as values.', {
    delimiter: str('String placed between the joined keys.', { minLength: 1, default: '.' }),
  }),
  extractField: obj(
    'Replaces the message with the value at a field (object, array or scalar); messages without it pass unchanged.',
    { field: pathField('The field to extract.') },
    ['field'],
  ),
  hoistField: obj(
    'Wraps the whole message in an object under one top-level key: { <field>: <message> }.',
    { field: str('The top-level key (no dots).', { minLength: 1, pattern: '^[^.]+$' }) },
    ['field'],
  ),
  cast: obj(
    'Converts field values to another type; a value that cannot be converted fails the message.',
    {
      spec: map(
        `Field path → target type. ${PATH_SYNTAX}`,
        str('Target type: string, int64, float64, bool or null.', { enum: CAST_TARGETS }),
        { minProperties: 1 },
      ),
    },
    ['spec'],
  ),
  timezone: obj(
    'Converts time fields (RFC 3339 strings, or epoch seconds/milliseconds) to another time zone.',
    {
      timezone: str('Target time zone: an IANA name such as Europe/Berlin, or an offset ±HH:MM.', { minLength: 1 }),
      fields: pathList('Fields to convert; missing and null ones are skipped.'),
      sourceTimezone: str('Zone assumed for input strings without an offset (IANA name or ±HH:MM).', {
        minLength: 1,
        default: 'UTC',
      }),
      format: str('Output format: RFC3339Nano, RFC3339 (strings) or UnixMilli (number).', {
        enum: TIMEZONE_FORMATS,
        default: 'RFC3339Nano',
      }),
    },
    ['timezone', 'fields'],
  ),
  insertField: obj(
    'Sets fields to fixed or computed values (nested objects are created).',
    {
      fields: map(
        `Field path → value: plain text is a string; \${metadata.<key>} inserts a metadata value, \${now} the ` +
          `current RFC 3339 time; "json:<value>" inserts a parsed JSON value (json:42, json:true, json:{"a":1}). ${PATH_SYNTAX}`,
        str('The value template.'),
        { minProperties: 1 },
      ),
    },
    ['fields'],
  ),
};

/** The output name of a route: its `name`, or `route[<index>]`. */
export function normalizeRouteName(index: number, route: { name?: string | undefined }): string {
  return route.name !== undefined && route.name !== '' ? route.name : `route[${index}]`;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks

/** True for an IANA zone name the runtime knows, `UTC`, or a fixed offset `±HH:MM`. */
export function isValidTimeZone(zone: string): boolean {
  const offset = /^[+-](\d{2}):(\d{2})$/.exec(zone);
  if (offset !== null) return Number(offset[1]) <= 14 && Number(offset[2]) <= 59;
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** True for a named format or a string containing at least one Go layout token. */
export function isKnownTimestampFormat(format: string): boolean {
  if ((TIMESTAMP_NAMED_FORMATS as readonly string[]).includes(format)) return true;
  return GO_LAYOUT_TOKENS.some((token) => format.includes(token));
}

const TEMPLATE_PLACEHOLDER = /\$\{([^}]*)\}/g;

class IssueList {
  readonly issues: SpecIssue[] = [];

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Runs a parser and records its ExpressionError (other errors are bugs and propagate). */
  parse(path: string, what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      this.add(path, `invalid ${what}: ${error.message}`);
    }
  }

  /** A path that must name a field; returns its canonical text for duplicate checks. */
  fieldPath(path: string, value: unknown): string | undefined {
    if (typeof value !== 'string') return undefined;
    let canonical: string | undefined;
    this.parse(path, 'path', () => {
      const parsed = parsePath(value);
      if (parsed.segments.length === 0) this.add(path, `the path "${value}" must name a field, not the whole message`);
      else canonical = formatPath(parsed.segments);
    });
    return canonical;
  }

  fieldPaths(path: string, value: unknown): void {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => this.fieldPath(joinPath(path, i), item));
  }

  /** Keys of a path-keyed map (cast.spec, insertField.fields), flagging two spellings of one field. */
  pathKeys(path: string, value: unknown, each?: (keyPath: string, item: unknown) => void): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const seen = new Map<string, string>();
    for (const [key, item] of Object.entries(value)) {
      const keyPath = `${path}[${JSON.stringify(key)}]`;
      const canonical = this.fieldPath(keyPath, key);
      if (canonical !== undefined) {
        const earlier = seen.get(canonical);
        if (earlier !== undefined) this.add(keyPath, `names the same field as "${earlier}"`);
        else seen.set(canonical, key);
      }
      each?.(keyPath, item);
    }
  }
}

type Checker = (config: Record<string, unknown>, base: string, out: IssueList) => void;

const at = (base: string, field: string): string => joinPath(base, field);

const checkers: Partial<Record<keyof TransformConfigs, Checker>> = {
  timestamp(config, base, out) {
    out.fieldPath(at(base, 'fieldName'), config['fieldName']);
    const format = config['format'];
    if (typeof format === 'string' && format !== '' && !isKnownTimestampFormat(format)) {
      out.add(
        at(base, 'format'),
        `unknown format "${format}": use ${TIMESTAMP_NAMED_FORMATS.join(', ')} or a Go layout such as "2006-01-02 15:04:05"`,
      );
    }
  },
  flatten(config, base, out) {
    out.fieldPath(at(base, 'field'), config['field']);
  },
  filter(config, base, out) {
    checkCondition(config['condition'], at(base, 'condition'), out);
  },
  mask(config, base, out) {
    out.fieldPaths(at(base, 'fields'), config['fields']);
  },
  router(config, base, out) {
    const routes = config['routes'];
    if (!Array.isArray(routes)) return;
    const names = new Map<string, number>();
    routes.forEach((route: unknown, i) => {
      if (typeof route !== 'object' || route === null) return;
      const routePath = joinPath(at(base, 'routes'), i);
      const { name, condition } = route as Record<string, unknown>;
      checkCondition(condition, at(routePath, 'condition'), out);
      if (typeof name !== 'string') return;
      const earlier = names.get(name);
      if (earlier !== undefined) out.add(at(routePath, 'name'), `duplicate route name "${name}" (also routes[${earlier}])`);
      else names.set(name, i);
    });
  },
  select(config, base, out) {
    out.fieldPaths(at(base, 'fields'), config['fields']);
  },
  remove(config, base, out) {
    out.fieldPaths(at(base, 'fields'), config['fields']);
  },
  replaceField(config, base, out) {
    const { renames, include, exclude } = config;
    if (renames === undefined && include === undefined && exclude === undefined) {
      out.add(base, 'set at least one of renames, include, exclude');
    }
    if (include !== undefined && exclude !== undefined) {
      out.add(base, 'include and exclude are mutually exclusive');
    }
    if (Array.isArray(renames)) {
      renames.forEach((rename: unknown, i) => {
        if (typeof rename === 'string') out.parse(joinPath(at(base, 'renames'), i), 'rename', () => parseRename(rename));
      });
    }
    out.fieldPaths(at(base, 'include'), include);
    out.fieldPaths(at(base, 'exclude'), exclude);
  },
  headersToPayload(config, base, out) {
    const mappings = config['mappings'];
    if (!Array.isArray(mappings)) return;
    mappings.forEach((mapping: unknown, i) => {
      if (typeof mapping === 'string') {
        out.parse(joinPath(at(base, 'mappings'), i), 'mapping', () => parseHeaderMapping(mapping));
      }
    });
  },
  extractField(config, base, out) {
    out.fieldPath(at(base, 'field'), config['field']);
  },
  cast(config, base, out) {
    out.pathKeys(at(base, 'spec'), config['spec']);
  },
  timezone(config, base, out) {
    for (const field of ['timezone', 'sourceTimezone'] as const) {
      const zone = config[field];
      if (typeof zone === 'string' && !isValidTimeZone(zone)) {
        out.add(at(base, field), `unknown time zone "${zone}": use an IANA name such as Europe/Berlin, UTC, or an offset like +05:30`);
      }
    }
    out.fieldPaths(at(base, 'fields'), config['fields']);
  },
  insertField(config, base, out) {
    out.pathKeys(at(base, 'fields'), config['fields'], (keyPath, template) => {
      if (typeof template === 'string') checkTemplate(template, keyPath, out);
    });
  },
};

function checkCondition(value: unknown, path: string, out: IssueList): void {
  if (typeof value === 'string') out.parse(path, 'condition', () => parseCondition(value));
}

function checkTemplate(template: string, path: string, out: IssueList): void {
  if (template.startsWith('json:')) {
    try {
      JSON.parse(template.slice('json:'.length));
    } catch (error) {
      out.add(path, `invalid JSON after "json:": ${(error as Error).message}`);
    }
    return;
  }
  for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (name !== 'now' && !/^metadata\..+$/.test(name)) {
      out.add(path, `unknown placeholder "\${${name}}": use \${now} or \${metadata.<key>}`);
    }
  }
}

/**
 * The checks the JSON schema cannot express, for one transformation's config: every path and
 * condition parses (the issue carries the ExpressionError text), field paths are not the bare root,
 * replaceField has a valid combination of options, mappings are well formed, time zones and
 * timestamp formats are known, insertField json: values parse and route names are unique.
 * `basePath` is the config's own path, e.g. `spec.transformations[2].config`. Values of the wrong
 * JSON type are skipped (the schema reports them); an unknown `type` yields no issues for the same reason.
 */
export function checkTransformConfig(type: string, config: Record<string, unknown>, basePath: string): SpecIssue[] {
  const checker = Object.hasOwn(checkers, type) ? checkers[type as keyof TransformConfigs] : undefined;
  if (checker === undefined) return [];
  const out = new IssueList();
  checker(config, basePath, out);
  return out.issues;
}
