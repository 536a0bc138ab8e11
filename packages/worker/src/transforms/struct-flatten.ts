// structFlatten: flattens nested objects into one level, joining keys with `delimiter` (default
// `.`): {"a":{"b":1}} → {"a.b":1}. Arrays are kept as values; an empty nested object produces no
// key. Objects nested more than 64 levels deep, and two paths flattening to the same key
// ({"a.b":1,"a":{"b":2}}), are record errors. Non-JSON payloads and non-object roots pass through.
import { RecordError } from '../errors.js';
import { deriveMessage, isJsonObject } from '../message.js';
import type { JsonObject, JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { isObject, putKey } from './json.js';

export const STRUCT_FLATTEN_TYPE = 'structFlatten';
export const STRUCT_FLATTEN_MAX_DEPTH = 64;

export const structFlattenFactory: TransformFactory = {
  type: STRUCT_FLATTEN_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['delimiter']);
    const delimiter = reader.optionalString('delimiter', '.');
    if (delimiter === '') throw reader.error('delimiter', 'must not be empty (omit it for the default ".")');

    function flattenInto(out: JsonObject, source: JsonObject, prefix: string, depth: number): void {
      for (const key of Object.keys(source)) {
        const value = source[key] as JsonValue;
        const name = prefix === '' ? key : prefix + delimiter + key;
        if (isObject(value)) {
          if (depth >= STRUCT_FLATTEN_MAX_DEPTH) {
            const at = JSON.stringify(name).slice(0, 120);
            throw new RecordError(`structFlatten: objects nest deeper than ${STRUCT_FLATTEN_MAX_DEPTH} levels (at ${at})`);
          }
          flattenInto(out, value, name, depth + 1);
        } else if (Object.hasOwn(out, name)) {
          throw new RecordError(`structFlatten: two fields flatten to the same key ${JSON.stringify(name)}`);
        } else {
          putKey(out, name, value);
        }
      }
    }

    return {
      type: STRUCT_FLATTEN_TYPE,
      apply(msg: Message): Message[] {
        const root = msg.value;
        if (!isJsonObject(root)) return [msg];
        const out: JsonObject = {};
        flattenInto(out, root, '', 0);
        return [deriveMessage(msg, out)];
      },
    };
  },
};
