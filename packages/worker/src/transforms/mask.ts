// mask: replaces the value of each listed field with `maskChar` repeated three times, or — with
// `keepLength` — once per character of the value (Unicode code points, so "pässword" gives 8;
// upstream counted UTF-8 bytes). Non-string values are measured by their JSON text (`12345` → 5,
// `true` → 4) and become mask strings too. Every field is masked independently (upstream's fallback
// dropped earlier masks); missing fields are skipped; non-JSON payloads pass through unchanged.
import { deriveMessage, isRaw } from '../message.js';
import type { JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { PayloadEditor, valueAt } from './json.js';

export const MASK_TYPE = 'mask';
const FIXED_LENGTH = 3;

/** Number of Unicode code points (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}

function textLength(value: JsonValue): number {
  if (typeof value === 'string') return codePointLength(value);
  if (typeof value === 'number') return String(value).length;
  if (value === null) return 4;
  if (typeof value === 'boolean') return value ? 4 : 5;
  return codePointLength(JSON.stringify(value));
}

export const maskFactory: TransformFactory = {
  type: MASK_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['fields', 'maskChar', 'keepLength']);
    const fields = reader.pathList('fields').map((p) => p.segments);
    const maskChar = reader.optionalString('maskChar', '*');
    if (maskChar === '') throw reader.error('maskChar', 'must not be empty');
    const keepLength = reader.boolean('keepLength', false);
    const fixed = maskChar.repeat(FIXED_LENGTH);

    return {
      type: MASK_TYPE,
      apply(msg: Message): Message[] {
        const root = msg.value;
        if (isRaw(root)) return [msg];
        let editor: PayloadEditor | undefined;
        for (const segments of fields) {
          const current = valueAt(editor?.value ?? root, segments);
          if (current === undefined) continue;
          editor ??= new PayloadEditor(root);
          editor.set(segments, keepLength ? maskChar.repeat(textLength(current)) : fixed);
        }
        return editor === undefined ? [msg] : [deriveMessage(msg, editor.value)];
      },
    };
  },
};
