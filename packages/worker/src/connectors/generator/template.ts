// Compiles a generator template once into a function that builds one message value. The
// placeholder grammar is @dataflow/api's (the validator and the worker read templates alike).
// A string that is exactly one {{seq}}, {{randomInt}} or {{randomFloat}} becomes a JSON number;
// placeholders inside longer text become text.
import type { GeneratorPlaceholder, GeneratorTemplatePart } from '@dataflow/api';
import { parseGeneratorTemplate } from '@dataflow/api';
import { ConfigError, errorMessage } from '../../errors.js';
import type { JsonValue } from '../../message.js';

/** What a placeholder may draw on while one message is built. */
export interface TemplateContext {
  readonly seq: number;
  /** Uniform in [0, 1). */
  random(): number;
  uuid(): string;
  /** ISO 8601 time of the read. */
  readonly now: string;
}

export type CompiledTemplate = (ctx: TemplateContext) => JsonValue;

/** Throws a ConfigError naming the template path of a bad placeholder. */
export function compileTemplate(template: unknown, path = 'template'): CompiledTemplate {
  if (typeof template === 'string') return compileString(template, path);
  if (template === null || typeof template === 'number' || typeof template === 'boolean') {
    const constant = template;
    return () => constant;
  }
  if (Array.isArray(template)) {
    const items = template.map((item, index) => compileTemplate(item, `${path}[${index}]`));
    return (ctx) => items.map((item) => item(ctx));
  }
  if (typeof template === 'object') {
    const entries = Object.entries(template as Record<string, unknown>).map(([key, value]) => [key, compileTemplate(value, `${path}.${key}`)] as const);
    // Objects are rebuilt per message: transforms may change a message's value in place.
    return (ctx) => {
      const out: { [key: string]: JsonValue } = {};
      for (const [key, build] of entries) out[key] = build(ctx);
      return out;
    };
  }
  throw new ConfigError(`generator source: config.${path} must be JSON (object, array, string, number, boolean or null)`);
}

function compileString(text: string, path: string): CompiledTemplate {
  let parts: GeneratorTemplatePart[];
  try {
    parts = parseGeneratorTemplate(text);
  } catch (error) {
    throw new ConfigError(`generator source: config.${path}: ${errorMessage(error)}`, { cause: error });
  }
  if (parts.length === 0) return () => '';
  if (parts.length === 1) {
    const only = parts[0] as GeneratorTemplatePart;
    if (typeof only === 'string') return () => only;
    return placeholder(only);
  }
  const pieces = parts.map((part): ((ctx: TemplateContext) => string) => {
    if (typeof part === 'string') return () => part;
    const value = placeholder(part);
    return (ctx) => String(value(ctx));
  });
  return (ctx) => {
    let out = '';
    for (const piece of pieces) out += piece(ctx);
    return out;
  };
}

function placeholder(p: GeneratorPlaceholder): (ctx: TemplateContext) => string | number {
  switch (p.kind) {
    case 'seq':
      return (ctx) => ctx.seq;
    case 'uuid':
      return (ctx) => ctx.uuid();
    case 'now':
      return (ctx) => ctx.now;
    case 'randomInt': {
      const { min, max } = p;
      return (ctx) => min + Math.floor(ctx.random() * (max - min + 1));
    }
    case 'randomFloat': {
      const { min, max } = p;
      return (ctx) => min + ctx.random() * (max - min);
    }
    case 'randomChoice': {
      const options = p.options;
      return (ctx) => options[Math.floor(ctx.random() * options.length)] as string;
    }
  }
}
