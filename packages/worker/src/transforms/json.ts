// Copy-on-write editing of parsed payloads. A payload may be shared with sibling messages (flatten
// children share every subtree of their parent), so a transform never writes into the value it was
// given: it shallow-copies each container on the path it writes, once per edit, and shares the rest.
import type { PathSegment } from '@dataflow/api';
import type { JsonObject, JsonValue } from '../message.js';

type Container = JsonObject | JsonValue[];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}

/** Defines an own property, so a key such as `__proto__` never reaches the prototype. */
export function putKey(target: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function keyOf(segment: PathSegment): string {
  return typeof segment === 'number' ? String(segment) : segment;
}

/** The child at one segment, or undefined when absent (own keys only; a key never indexes an array). */
function child(container: Container, segment: PathSegment): JsonValue | undefined {
  if (Array.isArray(container)) return typeof segment === 'number' && segment < container.length ? container[segment] : undefined;
  const key = keyOf(segment);
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

/** Can `segment` be written into `container`? Arrays take an index up to length (append). */
function writable(container: Container, segment: PathSegment): boolean {
  return !Array.isArray(container) || (typeof segment === 'number' && segment <= container.length);
}

/**
 * One copy-on-write edit session over a payload. Containers created by the session are mutated
 * freely; any other container is shallow-copied the first time a write passes through it.
 * The original value is never modified.
 */
export class PayloadEditor {
  private current: JsonValue;
  private readonly owned: Container[] = [];

  constructor(root: JsonValue) {
    this.current = root;
  }

  /** The edited payload (the original object when nothing was written). */
  get value(): JsonValue {
    return this.current;
  }

  get changed(): boolean {
    return this.owned.length > 0;
  }

  private own(container: Container): Container {
    if (this.owned.includes(container)) return container;
    const copy: Container = Array.isArray(container) ? container.slice() : { ...container };
    this.owned.push(copy);
    return copy;
  }

  /**
   * Sets `value` at `segments`. Missing or null intermediate values become new objects (same rule
   * as the shared setPath). Returns false, changing nothing, when the path cannot be written: a
   * non-container root, a key on an array, an index past the end, or a step through a scalar.
   */
  set(segments: readonly PathSegment[], value: JsonValue): boolean {
    const last = segments.length - 1;
    if (last < 0 || !isContainer(this.current)) return false;
    // Check the walk first, so a failed write copies nothing.
    let probe: Container = this.current;
    let depth = 0;
    for (; depth < last; depth += 1) {
      const next = child(probe, segments[depth] as PathSegment);
      if (next === undefined || next === null) break;
      if (!isContainer(next)) return false;
      probe = next;
    }
    if (!writable(probe, segments[depth] as PathSegment)) return false;

    let parent = this.own(this.current);
    this.current = parent;
    for (let d = 0; d < depth; d += 1) {
      const segment = segments[d] as PathSegment;
      const copy = this.own(child(parent, segment) as Container);
      writeInto(parent, segment, copy);
      parent = copy;
    }
    // Build the missing tail as fresh (owned) objects.
    for (let d = depth; d < last; d += 1) {
      const fresh: JsonObject = {};
      this.owned.push(fresh);
      writeInto(parent, segments[d] as PathSegment, fresh);
      parent = fresh;
    }
    writeInto(parent, segments[last] as PathSegment, value);
    return true;
  }

  /** Removes the value at `segments` (array elements are spliced out). Returns whether it existed. */
  delete(segments: readonly PathSegment[]): boolean {
    const last = segments.length - 1;
    if (last < 0) return false;
    let probe: JsonValue | undefined = this.current;
    for (let d = 0; d <= last; d += 1) {
      if (!isContainer(probe)) return false;
      probe = child(probe, segments[d] as PathSegment);
      if (probe === undefined) return false;
    }
    let parent = this.own(this.current as Container);
    this.current = parent;
    for (let d = 0; d < last; d += 1) {
      const segment = segments[d] as PathSegment;
      const copy = this.own(child(parent, segment) as Container);
      writeInto(parent, segment, copy);
      parent = copy;
    }
    const segment = segments[last] as PathSegment;
    if (Array.isArray(parent)) parent.splice(segment as number, 1);
    else delete parent[keyOf(segment)];
    return true;
  }
}

function writeInto(container: Container, segment: PathSegment, value: JsonValue): void {
  if (Array.isArray(container)) container[segment as number] = value;
  else putKey(container, keyOf(segment), value);
}

/** Reads a value at `segments` without allocating; undefined when absent (a JSON null is found). */
export function valueAt(root: JsonValue, segments: readonly PathSegment[]): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const segment of segments) {
    if (!isContainer(current)) return undefined;
    current = child(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}

/** A short, bounded rendering of a value for error messages. */
export function preview(value: unknown, max = 64): string {
  let text: string;
  try {
    text = value instanceof Uint8Array ? `<${value.byteLength} bytes>` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Orders paths for deletion so that each still means what it meant in the original document:
 * deeper paths before their prefixes, and higher array indexes before lower ones under the same
 * parent (removing `items[0]` first would shift `items[1]`). Unrelated paths commute.
 */
export function deletionOrder(paths: ReadonlyArray<readonly PathSegment[]>): Array<readonly PathSegment[]> {
  return [...paths].sort((a, b) => {
    const shared = Math.min(a.length, b.length);
    for (let i = 0; i < shared; i += 1) {
      const x = a[i] as PathSegment;
      const y = b[i] as PathSegment;
      if (x === y) continue;
      if (typeof x === 'number' && typeof y === 'number') return y - x;
      if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
      return x < y ? -1 : 1;
    }
    return b.length - a.length;
  });
}
