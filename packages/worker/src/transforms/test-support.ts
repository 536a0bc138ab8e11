// Shared fixtures for the transform tests: messages whose payloads are deep-frozen (so any
// in-place write by a transform throws instead of passing silently), a fixed clock, and the bad
// inputs every transform must survive.
import type { JsonObject, JsonValue, Message, Payload } from '../message.js';
import type { BuiltTransform } from '../plugin.js';
import { buildTransformChain } from './index.js';

/** 2024-01-15T10:30:00.123Z, the instant upstream's docs examples use (plus milliseconds). */
export const FIXED_NOW = new Date('2024-01-15T10:30:00.123Z');
export const fixedClock = (): Date => FIXED_NOW;

/** Bytes that are not valid UTF-8 (and so not JSON): a raw payload. */
export const INVALID_UTF8 = Uint8Array.from([0xff, 0xfe, 0x80, 0x7b]);

export function deepFreeze<T>(value: T): T {
  const work: unknown[] = [value];
  while (work.length > 0) {
    const next = work.pop();
    if (next !== null && typeof next === 'object' && !(next instanceof Uint8Array) && !Object.isFrozen(next)) {
      for (const child of Object.values(next)) work.push(child);
      Object.freeze(next);
    }
  }
  return value;
}

export function message(value: Payload, extra: Partial<Omit<Message, 'value'>> = {}): Message {
  const msg: Message = {
    id: 'orders/0@42',
    position: { partition: 'orders/0', offset: '42' },
    timestamp: new Date('2024-01-15T10:00:00Z'),
    key: null,
    value: deepFreeze(value),
    headers: {},
    meta: deepFreeze({ topic: 'orders' }),
    ...extra,
  };
  return msg;
}

export function build(type: string, config: Record<string, unknown>): BuiltTransform {
  const [built] = buildTransformChain([{ type, config }], { now: fixedClock });
  if (built === undefined) throw new Error('no transform built');
  return built;
}

/** Applies a transform to a payload and returns the output payloads. */
export function run(transform: BuiltTransform, value: Payload, extra: Partial<Omit<Message, 'value'>> = {}): Payload[] {
  return transform.apply(message(value, extra)).map((m) => m.value);
}

/** {"level":{"level":{… depth times …{"leaf":1}}}} built without recursion. */
export function deepObject(depth: number, key = 'nestedKey'): JsonObject {
  let value: JsonObject = { leafValue: 1 };
  for (let i = 0; i < depth; i += 1) value = { [key]: value, [`${key}${i % 2}`]: [i] };
  return value;
}

/** [[[… depth …]]] */
export function deepArray(depth: number): JsonValue {
  let value: JsonValue = [{ innerKey: true }];
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}
