import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRANSFORM_TYPES } from '@dataflow/api';
import { ConfigError, RecordError } from '../errors.js';
import type { Message, Payload } from '../message.js';
import { TRANSFORM_FACTORIES, applyChain, buildTransformChain } from './index.js';
import { INVALID_UTF8, deepArray, deepObject, fixedClock, message } from './test-support.js';

/** A representative config per type, touching paths that exist in the deep fixtures. */
const SAMPLE_CONFIGS: Record<string, Record<string, unknown>> = {
  timestamp: {},
  flatten: { field: 'nestedKey0' },
  filter: { condition: 'nestedKey || !nestedKey' },
  mask: { fields: ['nestedKey.nestedKey.leafValue', 'nestedKey0'], keepLength: true },
  router: { routes: [{ condition: 'nestedKey', sink: { type: 'stdout', config: {} } }] },
  select: { fields: ['nestedKey', 'nestedKey0'] },
  remove: { fields: ['nestedKey.nestedKey', '[0]'] },
  snakeCase: { deep: true },
  camelCase: { deep: true },
  debeziumUnwrap: { inferDeleteFromTombstone: true },
  replaceField: { renames: ['nestedKey.nestedKey:moved'] },
  headersToPayload: { mappings: ['h:header'] },
  structFlatten: {},
  extractField: { field: 'nestedKey' },
  hoistField: { field: 'wrapped' },
  cast: { spec: { nestedKey1: 'null', 'nestedKey.leafValue': 'int64' } },
  timezone: { timezone: 'UTC', fields: ['when'] },
  insertField: { fields: { 'added.value': '${metadata.topic}' } },
};

void describe('TRANSFORM_FACTORIES', () => {
  void it('registers exactly the 18 API transformation types, once each', () => {
    assert.deepEqual(TRANSFORM_FACTORIES.map((f) => f.type).sort(), [...TRANSFORM_TYPES].sort());
    assert.deepEqual(Object.keys(SAMPLE_CONFIGS).sort(), [...TRANSFORM_TYPES].sort());
  });
});

void describe('buildTransformChain', () => {
  void it('builds in order and reports each built type', () => {
    const chain = buildTransformChain([
      { type: 'filter', config: { condition: 'a' } },
      { type: 'snakeCase', config: {} },
    ]);
    assert.deepEqual(
      chain.map((t) => t.type),
      ['filter', 'snakeCase'],
    );
  });

  void it('unknown types and bad configs are ConfigErrors naming spec.transformations[i]', () => {
    assert.throws(
      () => buildTransformChain([{ type: 'filter', config: { condition: 'a' } }, { type: 'upper', config: {} }]),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith('spec.transformations[1].type: unknown transformation type "upper"'),
    );
    assert.throws(
      () => buildTransformChain([{ type: 'filter', config: { condition: 'a' } }, { type: 'mask', config: { fields: ['a..b'] } }]),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith('spec.transformations[1].config.fields[0]: invalid path'),
    );
    assert.throws(() => buildTransformChain([{ type: 'filter', config: [] as never }]), /spec\.transformations\[0\]\.config: must be an object/);
  });

  void it('a missing config counts as {}', () => {
    assert.doesNotThrow(() => buildTransformChain([{ type: 'structFlatten' }]));
  });
});

void describe('every transform survives bad input', () => {
  const inputs: Array<[string, Payload]> = [
    ['invalid UTF-8 raw bytes', INVALID_UTF8],
    ['empty raw bytes', new Uint8Array(0)],
    ['array root', [1, { a: 2 }]],
    ['string root', 'text'],
    ['number root', 42],
    ['null root', null],
    ['empty object', {}],
    ['depth-1000 object', deepObject(1000)],
    ['depth-1000 array', deepArray(1000)],
  ];
  for (const [type, config] of Object.entries(SAMPLE_CONFIGS)) {
    void it(type, () => {
      const [transform] = buildTransformChain([{ type, config }], { now: fixedClock });
      for (const [label, value] of inputs) {
        const msg = message(value, { headers: { h: 'v' } });
        let out: Message[];
        try {
          out = transform?.apply(msg) ?? [];
        } catch (error) {
          // The only legitimate failure: structFlatten's depth limit.
          assert.ok(type === 'structFlatten' && label === 'depth-1000 object' && error instanceof RecordError, `${type} on ${label}: ${String(error)}`);
          continue;
        }
        for (const o of out) assert.ok(o.value !== undefined, `${type} on ${label}`);
        if (value instanceof Uint8Array && value.byteLength > 0 && type !== 'select') {
          assert.deepEqual(out, [msg], `${type} passes raw bytes through`);
        }
      }
    });
  }
});

void describe('chains', () => {
  void it('flatten → filter → mask → select → snakeCase → timestamp on a docs-style order', () => {
    const chain = buildTransformChain(
      [
        { type: 'flatten', config: { field: 'items' } },
        { type: 'filter', config: { condition: 'quantity > 0' } },
        { type: 'mask', config: { fields: ['customerEmail'] } },
        { type: 'select', config: { fields: ['orderId', 'customerEmail', 'productName', 'quantity'] } },
        { type: 'snakeCase', config: {} },
        { type: 'timestamp', config: { fieldName: 'processed_at' } },
      ],
      { now: fixedClock },
    );
    const input = message({
      orderId: 1,
      customerEmail: 'a@b.c',
      internal: true,
      items: [
        { productName: 'Apple', quantity: 5 },
        { productName: 'Pear', quantity: 0 },
      ],
    });
    const out = applyChain(chain, [input]);
    assert.deepEqual(
      out.map((m) => [m.id, m.value]),
      [[`${input.id}#0`, { order_id: 1, customer_email: '***', product_name: 'Apple', quantity: 5, processed_at: '2024-01-15T10:30:00Z' }]],
    );
  });

  void it('filter → mask → select → snakeCase → timestamp keeps up with ≥ 100k msg/s (target 300k on a free core)', () => {
    const chain = buildTransformChain(
      [
        { type: 'filter', config: { condition: "status == 'active'" } },
        { type: 'mask', config: { fields: ['email'] } },
        { type: 'select', config: { fields: ['userId', 'email', 'amount', 'status', 'createdAt'] } },
        { type: 'snakeCase', config: {} },
        { type: 'timestamp', config: {} },
      ],
      { now: () => new Date() },
    );
    // ~200 bytes of JSON each.
    const batch: Message[] = [];
    for (let i = 0; i < 1000; i += 1) {
      batch.push(
        message({
          userId: i,
          email: `user${i}@example.com`,
          amount: i * 1.5,
          status: i % 10 === 0 ? 'inactive' : 'active',
          createdAt: '2024-01-15T10:30:00Z',
          address: { streetName: 'Main St', zipCode: '12345' },
          tags: ['a', 'b'],
        }),
      );
    }
    let count = 0;
    const deadline = performance.now() + 300;
    const start = performance.now();
    // Warm-up, then measure.
    applyChain(chain, batch);
    while (performance.now() < deadline) {
      applyChain(chain, batch);
      count += batch.length;
    }
    const rate = count / ((performance.now() - start) / 1000);
    assert.ok(rate >= 100_000, `throughput ${Math.round(rate)} msg/s`);
  });
});
