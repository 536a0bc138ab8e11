// cast: converts field values, `spec` mapping path → target type.
//   string  — strings kept; numbers and booleans to their JSON text; null, objects, arrays fail.
//   int64   — integers and whole floats; numeric strings with a whole value ("42", " -7 ", "1e3").
//             Beyond ±(2^53−1) a JavaScript number cannot hold the value exactly, so that fails too.
//   float64 — numbers; numeric strings ("3.14", "1e-3"); Infinity/NaN fail.
//   bool    — booleans; "true"/"false" in any case; the numbers 0 and 1.
//   null    — any existing value becomes null.
// A missing field is skipped. A failed conversion is a record error naming the path and the value
// (the message goes to the error sink). Non-JSON payloads pass through unchanged.
import { CAST_TARGETS } from '@dataflow/api';
import type { CastTarget, CompiledPath } from '@dataflow/api';
import { RecordError } from '../errors.js';
import { deriveMessage, isRaw } from '../message.js';
import type { JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { PayloadEditor, preview, valueAt } from './json.js';

export const CAST_TYPE = 'cast';

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Sentinel for "cannot convert" (undefined is not a JSON value, so it cannot collide). */
type Converted = JsonValue | undefined;

function numberFromText(text: string): number | undefined {
  const trimmed = text.trim();
  if (!NUMBER_TEXT.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

const CONVERTERS: Readonly<Record<CastTarget, (value: JsonValue) => Converted>> = {
  string(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return undefined;
  },
  int64(value) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? numberFromText(value) : undefined;
    return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
  },
  float64(value) {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? numberFromText(value) : undefined;
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  },
  bool(value) {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      const lower = value.trim().toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : undefined;
    }
    if (value === 0 || value === 1) return value === 1;
    return undefined;
  },
  null() {
    return null;
  },
};

export const castFactory: TransformFactory = {
  type: CAST_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['spec']);
    const spec = reader.requiredMap('spec');
    const casts: Array<{ path: CompiledPath; target: CastTarget; convert: (value: JsonValue) => Converted }> = [];
    for (const [text, target] of Object.entries(spec)) {
      const field = `spec[${JSON.stringify(text)}]`;
      if (typeof target !== 'string' || !(CAST_TARGETS as readonly string[]).includes(target)) {
        throw reader.error(field, `must be one of ${CAST_TARGETS.join(', ')}, got ${preview(target)}`);
      }
      const castTarget = target as CastTarget;
      casts.push({ path: reader.compilePath(text, field), target: castTarget, convert: CONVERTERS[castTarget] });
    }

    return {
      type: CAST_TYPE,
      apply(msg: Message): Message[] {
        if (isRaw(msg.value)) return [msg];
        let editor: PayloadEditor | undefined;
        for (const { path, target, convert } of casts) {
          const value = valueAt(editor?.value ?? msg.value, path.segments);
          if (value === undefined) continue;
          const converted = convert(value);
          if (converted === undefined) {
            throw new RecordError(`cast: cannot convert ${path.text} = ${preview(value)} to ${target}`);
          }
          if (converted === value) continue;
          editor ??= new PayloadEditor(msg.value);
          editor.set(path.segments, converted);
        }
        return editor === undefined ? [msg] : [deriveMessage(msg, editor.value)];
      },
    };
  },
};
