// Synthetic-message source for demos, tests and benchmarks: a JSON template whose string values
// may hold placeholders, emitted `count` times at `ratePerSecond`. The placeholder grammar lives
// here so the validator and the worker parse templates the same way.
import { int, num, obj } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import { joinPath } from '../issues.js';
import type { ConfigCheck } from './rules.js';
import { isConfigObject } from './rules.js';

export type GeneratorTemplateValue =
  | string
  | number
  | boolean
  | null
  | GeneratorTemplateValue[]
  | { [key: string]: GeneratorTemplateValue };

export interface GeneratorSourceConfig {
  count?: number;
  ratePerSecond?: number;
  template: { [key: string]: GeneratorTemplateValue };
  seed?: number;
}

export type GeneratorPlaceholder =
  | { kind: 'seq' }
  | { kind: 'uuid' }
  | { kind: 'now' }
  | { kind: 'randomInt'; min: number; max: number }
  | { kind: 'randomFloat'; min: number; max: number }
  | { kind: 'randomChoice'; options: readonly string[] };

/** A template string splits into literal text and placeholders, in order. */
export type GeneratorTemplatePart = string | GeneratorPlaceholder;

const PLACEHOLDER_HELP = 'use {{seq}}, {{uuid}}, {{now}}, {{randomInt:min:max}}, {{randomFloat:min:max}} or {{randomChoice:a|b|c}}';

export const generatorSourceSchema: JsonSchema = obj(
  'Emits synthetic messages built from a template. For demos, tests and benchmarks; the flow ends after count messages.',
  {
    count: int('Number of messages to emit; 0 = unbounded.', { minimum: 0, default: 0 }),
    ratePerSecond: num('Messages per second, greater than 0. Absent: as fast as the pipeline accepts them.', { minimum: 0 }),
    template: {
      type: 'object',
      description:
        'JSON object emitted for every message; nested objects and arrays are allowed. String values may contain placeholders: ' +
        '{{seq}} the message number (1, 2, 3 …); {{uuid}} a random UUID; {{now}} the current time (ISO 8601, UTC); ' +
        '{{randomInt:min:max}} an integer in [min, max]; {{randomFloat:min:max}} a number in [min, max); ' +
        '{{randomChoice:a|b|c}} one of the listed strings. A value that is exactly one {{seq}}, {{randomInt}} or {{randomFloat}} ' +
        'placeholder becomes a JSON number; placeholders inside longer text are replaced by their text. Example: ' +
        '{"id": "{{seq}}", "user": "user-{{randomInt:1:100}}", "status": "{{randomChoice:new|paid|shipped}}"}.',
      minProperties: 1,
      'x-kubernetes-preserve-unknown-fields': true,
    },
    seed: int('Seed of the random placeholders, for reproducible runs ({{now}} excepted; {{uuid}} is drawn from the same seeded generator). Absent: a random seed.'),
  },
  ['template'],
);

// ---------------------------------------------------------------------------------------------
// Placeholder grammar

function parseNumberArg(text: string, integer: boolean): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (integer && !/^[+-]?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

function parsePlaceholder(body: string): GeneratorPlaceholder {
  const colon = body.indexOf(':');
  const name = (colon < 0 ? body : body.slice(0, colon)).trim();
  const args = colon < 0 ? undefined : body.slice(colon + 1);
  switch (name) {
    case 'seq':
    case 'uuid':
    case 'now':
      if (args !== undefined) throw new Error(`{{${name}}} takes no arguments`);
      return { kind: name };
    case 'randomInt':
    case 'randomFloat': {
      const integer = name === 'randomInt';
      const bounds = args?.split(':') ?? [];
      const [min, max] = bounds.map((b) => parseNumberArg(b, integer));
      if (bounds.length !== 2 || min === undefined || max === undefined) {
        throw new Error(`{{${name}:min:max}} needs two ${integer ? 'integers' : 'numbers'}, e.g. {{${name}:1:100}}`);
      }
      if (min > max) throw new Error(`{{${name}:${min}:${max}}} has min greater than max`);
      return { kind: name, min, max };
    }
    case 'randomChoice': {
      const options = args?.split('|') ?? [];
      if (options.length === 0 || options.some((o) => o === '')) {
        throw new Error('{{randomChoice:a|b|c}} needs one or more non-empty options separated by |');
      }
      return { kind: 'randomChoice', options };
    }
    default:
      throw new Error(`unknown placeholder {{${body}}}: ${PLACEHOLDER_HELP}`);
  }
}

/** Splits a template string into literal text and placeholders; throws an Error naming the fault. */
export function parseGeneratorTemplate(text: string): GeneratorTemplatePart[] {
  const parts: GeneratorTemplatePart[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`"{{" without a closing "}}": ${PLACEHOLDER_HELP}`);
    if (open > 0) parts.push(rest.slice(0, open));
    parts.push(parsePlaceholder(rest.slice(open + 2, close)));
    rest = rest.slice(close + 2);
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Cross-field rules

function checkTemplateValue(value: unknown, path: string, c: ConfigCheck): void {
  if (typeof value === 'string') {
    try {
      parseGeneratorTemplate(value);
    } catch (err) {
      c.issues.push({ path, message: (err as Error).message });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkTemplateValue(item, joinPath(path, index), c));
  } else if (isConfigObject(value)) {
    for (const [key, item] of Object.entries(value)) checkTemplateValue(item, joinPath(path, key), c);
  }
}

export function checkGeneratorSource(c: ConfigCheck): void {
  const rate = c.number('ratePerSecond');
  if (rate !== undefined && rate <= 0) {
    c.report('ratePerSecond', 'must be greater than 0; leave it out to emit as fast as possible');
  }
  const template = c.config['template'];
  if (isConfigObject(template)) checkTemplateValue(template, c.at('template'), c);
}
