// camelCase: converts snake_case keys by splitting on `_`, dropping empty parts and upper-casing the
// first letter of each part. Style `pascal` (default, upstream's actual output) gives `FirstName`;
// `camel` gives `firstName`. Other letters are kept (`userId` → `UserId` / `userId`); a key of only
// underscores is kept. `deep` and the collision rule are those of snakeCase (a key already in
// target form wins, then the first in document order).
import { CAMEL_CASE_STYLES } from '@dataflow/api';
import type { BuiltTransform, TransformBuildContext, TransformFactory } from '../plugin.js';
import { ConfigReader } from './config.js';
import { keyCaseTransform, memoize, toCamelCase } from './keys.js';

export const CAMEL_CASE_TYPE = 'camelCase';

export const camelCaseFactory: TransformFactory = {
  type: CAMEL_CASE_TYPE,
  create(config: Record<string, unknown>, ctx: TransformBuildContext): BuiltTransform {
    const reader = new ConfigReader(config, ctx);
    reader.allowOnly(['deep', 'style']);
    const deep = reader.boolean('deep', false);
    const style = reader.oneOf('style', CAMEL_CASE_STYLES, 'pascal');
    return keyCaseTransform(CAMEL_CASE_TYPE, deep, memoize((key) => toCamelCase(key, style)));
  },
};
