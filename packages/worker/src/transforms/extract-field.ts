// extractField: replaces the payload with the value at `field` (an object, array, scalar or JSON
// null). A missing field, a non-JSON payload or a root without the path pass through unchanged.
import { deriveMessage, isRaw } from '../message.js';
import type { Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { valueAt } from './json.js';

export const EXTRACT_FIELD_TYPE = 'extractField';

export const extractFieldFactory: TransformFactory = {
  type: EXTRACT_FIELD_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['field']);
    const { segments } = reader.path('field');
    return {
      type: EXTRACT_FIELD_TYPE,
      apply(msg: Message): Message[] {
        if (isRaw(msg.value)) return [msg];
        const value = valueAt(msg.value, segments);
        return value === undefined ? [msg] : [deriveMessage(msg, value)];
      },
    };
  },
};
