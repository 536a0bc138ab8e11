// hoistField: wraps the whole payload — any JSON value — under one top-level key:
// {"id":1} → {"<field>":{"id":1}}. `field` is a plain key (no dots: it is not a path). Non-JSON
// payloads pass through unchanged.
import { deriveMessage, isRaw } from '../message.js';
import type { JsonObject, Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { putKey } from './json.js';

export const HOIST_FIELD_TYPE = 'hoistField';

export const hoistFieldFactory: TransformFactory = {
  type: HOIST_FIELD_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['field']);
    const field = reader.requiredString('field');
    if (field.includes('.')) throw reader.error('field', `must be a top-level key without dots, got ${JSON.stringify(field)}`);
    return {
      type: HOIST_FIELD_TYPE,
      apply(msg: Message): Message[] {
        if (isRaw(msg.value)) return [msg];
        const out: JsonObject = {};
        putKey(out, field, msg.value);
        return [deriveMessage(msg, out)];
      },
    };
  },
};
