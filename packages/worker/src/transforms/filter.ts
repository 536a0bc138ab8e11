// filter: keeps a message iff `condition` is true (the shared grammar: paths, ==, !=, <, <=, >, >=,
// &&, ||, !, parentheses; a bare path tests truthiness). A non-JSON payload has no fields, so every
// path is missing: `$.x` is false there and `!$.x` is true.
import { isRaw } from '../message.js';
import type { Message, Payload } from '../message.js';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';

export const FILTER_TYPE = 'filter';

/** What a condition sees: the parsed payload, or nothing at all for raw bytes. */
export function conditionRoot(value: Payload): unknown {
  return isRaw(value) ? undefined : value;
}

export const filterFactory: TransformFactory = {
  type: FILTER_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['condition']);
    const condition = reader.compileCondition(reader.requiredString('condition'), 'condition');
    return {
      type: FILTER_TYPE,
      apply(msg: Message): Message[] {
        return condition.evaluate(conditionRoot(msg.value)) ? [msg] : [];
      },
    };
  },
};
