import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('flatten', () => {
  void it('docs: simple flatten merges object elements onto the root without the array', () => {
    const input = {
      order_id: 12345,
      customer: 'John Doe',
      items: [
        { product: 'Apple', quantity: 5 },
        { product: 'Banana', quantity: 3 },
      ],
    };
    assert.deepEqual(run(build('flatten', { field: 'items' }), input), [
      { order_id: 12345, customer: 'John Doe', product: 'Apple', quantity: 5 },
      { order_id: 12345, customer: 'John Doe', product: 'Banana', quantity: 3 },
    ]);
  });

  void it('docs: nested arrays are removed at their path (upstream kept orders.items)', () => {
    const input = {
      customer_id: 100,
      orders: {
        items: [
          { sku: 'SKU001', price: 10.99 },
          { sku: 'SKU002', price: 5.99 },
        ],
      },
    };
    assert.deepEqual(run(build('flatten', { field: '$.orders.items' }), input), [
      { customer_id: 100, orders: {}, sku: 'SKU001', price: 10.99 },
      { customer_id: 100, orders: {}, sku: 'SKU002', price: 5.99 },
    ]);
  });

  void it('stores primitive elements at the normalised path (not under the raw "$.tags" string)', () => {
    assert.deepEqual(run(build('flatten', { field: '$.tags' }), { id: 1, tags: ['a', 2, null] }), [
      { id: 1, tags: 'a' },
      { id: 1, tags: 2 },
      { id: 1, tags: null },
    ]);
    assert.deepEqual(run(build('flatten', { field: 'doc.tags' }), { doc: { tags: [[1], 'x'], keep: 1 } }), [
      { doc: { tags: [1], keep: 1 } },
      { doc: { tags: 'x', keep: 1 } },
    ]);
  });

  void it('element keys win over same-named root keys', () => {
    assert.deepEqual(run(build('flatten', { field: 'items' }), { id: 1, name: 'root', items: [{ name: 'item' }] }), [
      { id: 1, name: 'item' },
    ]);
  });

  void it('unwraps the Avro union wrapper {"array": [...]}', () => {
    assert.deepEqual(run(build('flatten', { field: 'rows' }), { id: 1, rows: { array: [{ a: 1 }, { a: 2 }] } }), [
      { id: 1, a: 1 },
      { id: 1, a: 2 },
    ]);
  });

  void it('an empty array yields one message without the array, keeping the id', () => {
    const msg = message({ id: 1, items: [] });
    const out = build('flatten', { field: 'items' }).apply(msg);
    assert.deepEqual(
      out.map((m) => [m.id, m.value]),
      [[msg.id, { id: 1 }]],
    );
  });

  void it('derives ids <id>#<index> and shares position, metadata and key with the parent', () => {
    const msg = message({ items: [{ a: 1 }, { a: 2 }] }, { key: 'k1' });
    const out = build('flatten', { field: 'items' }).apply(msg);
    assert.deepEqual(
      out.map((m) => m.id),
      [`${msg.id}#0`, `${msg.id}#1`],
    );
    for (const child of out) {
      assert.equal(child.position, msg.position);
      assert.equal(child.meta, msg.meta);
      assert.equal(child.key, 'k1');
    }
  });

  void it('children are independent: editing one never shows in a sibling (copy-on-write)', () => {
    const out = build('flatten', { field: 'items' }).apply(message({ shared: { n: 1 }, items: [{ a: 1 }, { a: 2 }] }));
    const mask = build('mask', { fields: ['shared.n', 'a'] });
    const [masked] = mask.apply(out[0] as (typeof out)[number]);
    assert.deepEqual(masked?.value, { shared: { n: '***' }, a: '***' });
    assert.deepEqual(out[1]?.value, { shared: { n: 1 }, a: 2 });
  });

  void it('an array inside an array: element removed at its index', () => {
    assert.deepEqual(run(build('flatten', { field: 'lists[0]' }), { lists: [[{ a: 1 }], [{ b: 2 }]] }), [{ lists: [[{ b: 2 }]], a: 1 }]);
  });

  void it('missing field, non-array value, raw bytes and non-object roots pass through unchanged', () => {
    const t = build('flatten', { field: 'items' });
    for (const value of [{ id: 1 }, { items: 'x' }, { items: { array: 'no' } }, INVALID_UTF8, [[1, 2]], 'items', null]) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
  });

  void it('requires a field path', () => {
    assert.throws(() => build('flatten', {}), /spec\.transformations\[0\]\.config\.field: is required/);
    assert.throws(() => build('flatten', { field: '$' }), /names the whole message/);
  });
});
