// The built-in transformations (the only file that lists them) and the chain builder the runtime
// calls once at start-up: every path and condition is compiled here, so a bad spec fails before
// any data flows, with a ConfigError naming `spec.transformations[i]`.
import { ConfigError } from '../errors.js';
import type { Message } from '../message.js';
import type { BuiltTransform, TransformFactory } from '../plugin.js';
import { camelCaseFactory } from './camel-case.js';
import { castFactory } from './cast.js';
import { transformPath } from './config.js';
import type { ClockedBuildContext } from './config.js';
import { debeziumUnwrapFactory } from './debezium-unwrap.js';
import { extractFieldFactory } from './extract-field.js';
import { filterFactory } from './filter.js';
import { flattenFactory } from './flatten.js';
import { headersToPayloadFactory } from './headers-to-payload.js';
import { hoistFieldFactory } from './hoist-field.js';
import { insertFieldFactory } from './insert-field.js';
import { maskFactory } from './mask.js';
import { removeFactory } from './remove.js';
import { replaceFieldFactory } from './replace-field.js';
import { routerFactory } from './router.js';
import { selectFactory } from './select.js';
import { snakeCaseFactory } from './snake-case.js';
import { structFlattenFactory } from './struct-flatten.js';
import { timestampFactory } from './timestamp.js';
import { timezoneFactory } from './timezone.js';

export type { ClockedBuildContext } from './config.js';
export { ROUTED_CONDITION_META } from './router.js';
export { OPERATION_META } from './debezium-unwrap.js';

export const TRANSFORM_FACTORIES: readonly TransformFactory[] = Object.freeze([
  timestampFactory,
  flattenFactory,
  filterFactory,
  maskFactory,
  routerFactory,
  selectFactory,
  removeFactory,
  snakeCaseFactory,
  camelCaseFactory,
  debeziumUnwrapFactory,
  replaceFieldFactory,
  headersToPayloadFactory,
  structFlattenFactory,
  extractFieldFactory,
  hoistFieldFactory,
  castFactory,
  timezoneFactory,
  insertFieldFactory,
]);

const BY_TYPE: ReadonlyMap<string, TransformFactory> = new Map(TRANSFORM_FACTORIES.map((f) => [f.type, f]));

export interface TransformChainOptions {
  /** Clock for timestamp, insertField `${now}`; tests inject one. Default: the wall clock. */
  readonly now?: () => Date;
}

/** A `spec.transformations` item; `config` is typed loosely because factories validate it themselves. */
export interface TransformSpecLike {
  readonly type: string;
  readonly config?: object | undefined;
}

/** Compiles `spec.transformations` in order. Throws ConfigError naming the first bad entry. */
export function buildTransformChain(specs: ReadonlyArray<TransformSpecLike>, options: TransformChainOptions = {}): BuiltTransform[] {
  return specs.map((spec, index) => {
    const at = transformPath(index);
    const factory = BY_TYPE.get(spec.type);
    if (factory === undefined) {
      throw new ConfigError(`${at}.type: unknown transformation type ${JSON.stringify(spec.type)} (known: ${[...BY_TYPE.keys()].join(', ')})`);
    }
    const config = spec.config ?? {};
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new ConfigError(`${at}.config: must be an object`);
    }
    const ctx: ClockedBuildContext = options.now === undefined ? { index } : { index, now: options.now };
    try {
      return factory.create(config as Record<string, unknown>, ctx);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`${at} (${spec.type}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

/** Runs messages through a chain in order (the runtime's loop without error handling; for tests and tools). */
export function applyChain(chain: readonly BuiltTransform[], messages: readonly Message[]): Message[] {
  let current = messages as Message[];
  for (const step of chain) {
    const next: Message[] = [];
    for (const msg of current) {
      for (const out of step.apply(msg)) next.push(out);
    }
    current = next;
  }
  return current;
}
