// The allocation-free lookup behind getPath, setPath and condition evaluation (run once per message).
import type { PathSegment } from './path.js';

/** Returned when the path does not exist (distinct from a JSON null). */
export const MISSING: unique symbol = Symbol('missing');

/**
 * One step down. Own properties only (never the prototype: `constructor` is missing); an index reads
 * an array element or the object key of the same digits; a key never indexes an array.
 */
export function child(container: unknown, segment: PathSegment): unknown {
  if (Array.isArray(container)) {
    return typeof segment === 'number' && segment < container.length ? container[segment] : MISSING;
  }
  if (typeof container !== 'object' || container === null) return MISSING;
  const key = typeof segment === 'number' ? String(segment) : segment;
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : MISSING;
}

export function resolve(root: unknown, segments: readonly PathSegment[]): unknown {
  let current = root;
  for (let i = 0; i < segments.length && current !== MISSING; i += 1) {
    current = child(current, segments[i] as PathSegment);
  }
  return current;
}
