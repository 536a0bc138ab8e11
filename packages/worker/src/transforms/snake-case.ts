// snakeCase: converts object keys to snake_case (`firstName` → `first_name`, `UserID` → `user_id`,
// `XMLHttpRequest` → `xml_http_request`). Without `deep` only the root object's keys change (a root
// array is left alone); with `deep` every object, inside arrays too, at any depth. Key collisions
// are deterministic: a key already in snake_case wins over keys converted into it, otherwise the
// first in document order wins. Non-JSON payloads pass through unchanged.
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { keyCaseTransform, memoize, toSnakeCase } from './keys.js';

export const SNAKE_CASE_TYPE = 'snakeCase';

export const snakeCaseFactory: TransformFactory = {
  type: SNAKE_CASE_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['deep']);
    return keyCaseTransform(SNAKE_CASE_TYPE, reader.boolean('deep', false), memoize(toSnakeCase));
  },
};
