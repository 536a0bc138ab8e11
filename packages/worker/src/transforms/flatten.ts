// flatten: one output per element of the array at `field`. Each output is a copy of the message with
// the array removed at its path (nested paths too — upstream only removed a top-level key). An
// object element's keys are merged onto the root, element keys winning over same-named root keys;
// any other element (string, number, null, nested array) is stored at the array's own path.
// An Avro union wrapper `{ "array": [...] }` is unwrapped. An empty array yields one message
// without the array. A missing path, a non-array value, a non-JSON payload or a non-object root
// pass through unchanged. Outputs get ids `<id>#<index>`.
import { deriveMessage, isJsonObject } from '../message.js';
import type { JsonObject, JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { PayloadEditor, isObject, valueAt } from './json.js';

export const FLATTEN_TYPE = 'flatten';

function arrayOf(value: JsonValue | undefined): JsonValue[] | undefined {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value['array'])) return value['array'];
  return undefined;
}

export const flattenFactory: TransformFactory = {
  type: FLATTEN_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['field']);
    const { segments } = reader.path('field');

    return {
      type: FLATTEN_TYPE,
      apply(msg: Message): Message[] {
        const root = msg.value;
        if (!isJsonObject(root)) return [msg];
        const items = arrayOf(valueAt(root, segments));
        if (items === undefined) return [msg];
        const without = new PayloadEditor(root);
        without.delete(segments);
        const base = without.value as JsonObject;
        if (items.length === 0) return [deriveMessage(msg, base)];
        const out: Message[] = new Array<Message>(items.length);
        for (let i = 0; i < items.length; i += 1) {
          const item = items[i] as JsonValue;
          let value: JsonValue;
          if (isObject(item)) {
            value = { ...base, ...item };
          } else {
            // Replace the array by the element where it stood (splicing first would shift array parents).
            const editor = new PayloadEditor(root);
            editor.set(segments, item);
            value = editor.value;
          }
          out[i] = deriveMessage(msg, value, String(i));
        }
        return out;
      },
    };
  },
};
