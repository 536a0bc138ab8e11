// select: replaces the payload with a new flat object holding only the listed fields, each under
// the last segment of its path (`user.name` → `name`, `items[0]` → `0`). Two paths ending in the
// same key are a config error (upstream silently let the later one overwrite). Missing fields are
// skipped; when none exists — or the payload is not JSON — the result is `{}`, never the original
// message (upstream passed everything through, leaking what select was meant to drop).
import { deriveMessage, isRaw } from '../message.js';
import type { JsonObject, JsonValue, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { putKey, valueAt } from './json.js';

export const SELECT_TYPE = 'select';

export const selectFactory: TransformFactory = {
  type: SELECT_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['fields']);
    const paths = reader.pathList('fields');
    const owners = new Map<string, string>();
    const fields = paths.map((path, i) => {
      const key = String(path.segments[path.segments.length - 1]);
      const owner = owners.get(key);
      if (owner !== undefined) {
        throw reader.error(
          `fields[${i}]`,
          `"${path.text}" and "${owner}" would both be written to key "${key}"; select them in two steps or rename one first`,
        );
      }
      owners.set(key, path.text);
      return { key, segments: path.segments };
    });

    return {
      type: SELECT_TYPE,
      apply(msg: Message): Message[] {
        const out: JsonObject = {};
        const root = msg.value;
        if (!isRaw(root)) {
          for (const field of fields) {
            const value: JsonValue | undefined = valueAt(root, field.segments);
            if (value !== undefined) putKey(out, field.key, value);
          }
        }
        return [deriveMessage(msg, out)];
      },
    };
  },
};
