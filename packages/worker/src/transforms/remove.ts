// remove: deletes each listed field (nested paths; an array index removes the element). Every path
// refers to the original document (`items[0]` and `items[1]` remove both elements). Missing fields
// are skipped; non-JSON payloads pass through unchanged.
import { deriveMessage, isRaw } from '../message.js';
import type { Message } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { PayloadEditor, deletionOrder } from './json.js';

export const REMOVE_TYPE = 'remove';

export const removeFactory: TransformFactory = {
  type: REMOVE_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['fields']);
    const fields = deletionOrder(reader.pathList('fields').map((p) => p.segments));

    return {
      type: REMOVE_TYPE,
      apply(msg: Message): Message[] {
        if (isRaw(msg.value)) return [msg];
        const editor = new PayloadEditor(msg.value);
        for (const segments of fields) editor.delete(segments);
        return editor.changed ? [deriveMessage(msg, editor.value)] : [msg];
      },
    };
  },
};
