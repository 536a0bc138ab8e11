// Message builders for tests: the smallest valid Message for a payload and a position.
import type { Message, Payload } from '@dataflow/worker';

export interface MessageAt {
  readonly partition?: string;
  readonly offset?: number | string;
  readonly meta?: Message['meta'];
  readonly key?: Message['key'];
}

export function makeMessage(value: Payload, at: MessageAt = {}): Message {
  const partition = at.partition ?? 'p0';
  const offset = String(at.offset ?? 1);
  return {
    id: `${partition}@${offset}`,
    position: { partition, offset },
    timestamp: new Date(),
    key: at.key ?? null,
    value,
    headers: {},
    meta: at.meta ?? {},
  };
}

/** One message per value, offsets `firstOffset`, `firstOffset + 1` … in one partition. */
export function makeMessages(values: readonly Payload[], partition = 'p0', firstOffset = 1): Message[] {
  return values.map((value, i) => makeMessage(value, { partition, offset: firstOffset + i }));
}

/** `count` JSON messages `{ "n": i }` (i from 1). */
export function numberedMessages(count: number, partition = 'p0'): Message[] {
  return Array.from({ length: count }, (_, i) => makeMessage({ n: i + 1 }, { partition, offset: i + 1 }));
}
