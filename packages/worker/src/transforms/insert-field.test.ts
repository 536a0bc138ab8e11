import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('insertField', () => {
  void it('literals, metadata, now and json: values; dotted keys nest', () => {
    const t = build('insertField', {
      fields: {
        source: 'kafka',
        '$.meta.topic': '${metadata.topic}',
        'meta.label': 'from-${metadata.topic}-${metadata.partition}',
        processed_at: '${now}',
        'flags.reprocessed': 'json:true',
        config: 'json:{"a":[1,2]}',
        missing: '${metadata.nope}',
        count: 3,
      },
    });
    const [out] = run(t, { id: 1 }, { meta: { topic: 'orders', partition: 2 } });
    assert.deepEqual(out, {
      id: 1,
      source: 'kafka',
      meta: { topic: 'orders', label: 'from-orders-2' },
      processed_at: '2024-01-15T10:30:00Z',
      flags: { reprocessed: true },
      config: { a: [1, 2] },
      missing: '',
      count: 3,
    });
  });

  void it('${metadata.key} falls back to the message key', () => {
    assert.deepEqual(run(build('insertField', { fields: { k: '${metadata.key}' } }), {}, { key: 'user-1' }), [{ k: 'user-1' }]);
  });

  void it('json: values are shared read-only constants: later edits copy them', () => {
    const t = build('insertField', { fields: { cfg: 'json:{"a":{"b":1}}' } });
    const [first] = t.apply(message({}));
    const [masked] = build('mask', { fields: ['cfg.a.b'] }).apply(first as NonNullable<typeof first>);
    assert.deepEqual(masked?.value, { cfg: { a: { b: '***' } } });
    assert.deepEqual(run(t, {}), [{ cfg: { a: { b: 1 } } }]);
  });

  void it('raw payloads and non-object roots pass through; a path through a scalar is a record error', () => {
    const t = build('insertField', { fields: { 'a.b': 'x' } });
    for (const value of [INVALID_UTF8, [1], 'x']) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
    assert.throws(() => run(t, { a: 5 }), RecordError);
  });

  void it('config errors: invalid json:, unknown placeholders, empty map', () => {
    assert.throws(() => build('insertField', { fields: { a: 'json:{nope' } }), /config\.fields\["a"\]: invalid JSON after "json:"/);
    assert.throws(() => build('insertField', { fields: { a: '${env.HOME}' } }), /config\.fields\["a"\]: unknown placeholder "\$\{env\.HOME\}"/);
    assert.throws(() => build('insertField', { fields: {} }), /config\.fields: must have at least one entry/);
  });
});
