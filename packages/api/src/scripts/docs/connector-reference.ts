// Markdown config tables of the connectors (docs/connectors/<type>.md), from the same JSON schemas
// that validate specs and build the CRD, so the docs cannot drift from what is accepted.
import { SINK_TYPES, SOURCE_TYPES, sinkSchemas, sourceSchemas } from '../../connectors/index.js';
import type { JsonSchema } from '../../json-schema.js';

export const CONNECTOR_TYPES: readonly string[] = [...new Set<string>([...SOURCE_TYPES, ...SINK_TYPES])];

interface FieldRow {
  readonly field: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
}

/** A Secret reference is shown as one field, not as its three sub-fields. */
function isSecretRef(schema: JsonSchema): boolean {
  const props = schema.properties;
  return props !== undefined && Object.keys(props).sort().join(',') === 'key,name,namespace' && schema.required?.join(',') === 'name,key';
}

function typeOf(schema: JsonSchema): string {
  if (isSecretRef(schema)) return 'SecretRef';
  if (schema.enum !== undefined) return schema.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (schema.type === 'array') return `array of ${schema.items === undefined ? 'any' : typeOf(schema.items)}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return `map of ${typeOf(schema.additionalProperties)}`;
  if (schema.type === undefined && schema['x-kubernetes-int-or-string'] === true) return 'integer or string';
  return schema.type ?? 'any';
}

/** Table cells: escape the column separator and `<` (else `<topic>` would vanish as an HTML tag). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

function rows(schema: JsonSchema, prefix: string): FieldRow[] {
  const required = new Set(schema.required ?? []);
  const out: FieldRow[] = [];
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const name = `${prefix}${key}`;
    const description = `${required.has(key) ? '**Required.** ' : ''}${field.description ?? ''}`;
    out.push({
      field: `\`${name}\``,
      type: typeOf(field),
      defaultValue: field.default === undefined ? '' : `\`${JSON.stringify(field.default)}\``,
      description: cell(description),
    });
    // Nested settings objects (TLS, SASL, record key …) are listed field by field.
    if (field.type === 'object' && field.properties !== undefined && !isSecretRef(field)) out.push(...rows(field, `${name}.`));
  }
  return out;
}

function table(schema: JsonSchema): string {
  const lines = ['| Field | Type | Default | Description |', '|---|---|---|---|'];
  for (const r of rows(schema, '')) lines.push(`| ${r.field} | ${cell(r.type)} | ${r.defaultValue} | ${r.description} |`);
  return lines.join('\n');
}

function section(title: string, path: string, schema: JsonSchema): string {
  return [`### ${title}`, '', `${cell(schema.description ?? '')} Fields of \`${path}\`:`, '', table(schema)].join('\n');
}

/** The generated reference of one connector type: its source and/or sink config tables. */
export function renderConnectorReference(type: string): string {
  const parts = ['## Configuration reference', ''];
  const source = (sourceSchemas as Record<string, JsonSchema | undefined>)[type];
  const sink = (sinkSchemas as Record<string, JsonSchema | undefined>)[type];
  if (source === undefined && sink === undefined) throw new Error(`unknown connector type "${type}"`);
  if (source !== undefined) parts.push(section('Source', 'spec.source.config', source), '');
  if (sink !== undefined) {
    parts.push(section('Sink', 'spec.sink.config (also spec.errors.config and a route sink)', sink), '');
  }
  parts.push('A `SecretRef` is `{name, key}` of a Secret in the DataFlow\'s namespace.');
  return parts.join('\n');
}
