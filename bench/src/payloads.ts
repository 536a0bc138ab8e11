// The benchmark's messages: JSON objects of about 200 bytes when serialised, varied by sequence
// number so conditions and routes see a realistic mix (a quarter of them have status "test").
import type { JsonObject } from '@dataflow/worker';

const STATUSES = ['paid', 'shipped', 'refunded', 'test'] as const;
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1', 'sa-east-1'] as const;

/** A fresh object per call: transforms may change a payload in place, as they may in production. */
export function orderPayload(seq: number): JsonObject {
  const user = seq % 1000;
  return {
    orderId: seq,
    status: STATUSES[seq % 4] as string,
    customer: { customerId: user, email: `user${user}@example.com`, fullName: `User ${user}` },
    amount: (seq % 100_000) / 100,
    region: REGIONS[(seq >> 2) % 4] as string,
    createdAt: '2024-06-01T12:00:00Z',
    items: seq % 7,
  };
}

/** Serialised payloads for the raw-bytes variant: a pool reused round-robin (bytes come for free from a broker). */
export function payloadBytesPool(size: number): Uint8Array[] {
  const encoder = new TextEncoder();
  return Array.from({ length: size }, (_, i) => encoder.encode(JSON.stringify(orderPayload(i + 1))));
}

export function averageSerialisedSize(samples = 1000): number {
  let total = 0;
  for (let i = 1; i <= samples; i++) total += Buffer.byteLength(JSON.stringify(orderPayload(i)));
  return total / samples;
}
