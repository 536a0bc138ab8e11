import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import { ConfigFields } from '../config-fields.js';
import { parsePollingFields, resolveValue, valueSource } from './config.js';

const defaults = { pollIntervalSeconds: 5, readBatchSize: 0, orderByColumn: 'id' };
const parse = (config: Record<string, unknown>, hasTable = true) => parsePollingFields(config, new ConfigFields(config, 'x source'), hasTable, defaults);

void describe('polling config fields', () => {
  void it('applies defaults and leaves changeTrackingColumn to the connector', () => {
    assert.deepEqual(parse({}), { pollIntervalMs: 5000, readBatchSize: 0, orderByColumn: 'id' });
    assert.deepEqual(parse({ query: 'SELECT 1', pollInterval: 0.5, readBatchSize: 100, changeTrackingColumn: 'ts', orderByColumn: 'k' }, false), {
      query: 'SELECT 1',
      pollIntervalMs: 500,
      readBatchSize: 100,
      changeTrackingColumn: 'ts',
      orderByColumn: 'k',
    });
  });

  void it('refuses bad polling fields naming the field', () => {
    assert.throws(() => parse({}, false), (e: Error) => e instanceof ConfigError && /config.table must be set \(or set query\)/.test(e.message));
    assert.throws(() => parse({ query: 'SELECT 1 ;' }), /config.query must not end with a semicolon/);
    assert.throws(() => parse({ pollInterval: 0 }), /pollInterval/);
    assert.throws(() => parse({ readBatchSize: 1.5 }), /readBatchSize/);
    assert.throws(() => parse({ orderByColumn: 3 }), /config.orderByColumn must be a string/);
  });

  void it('reads a literal or a Secret reference, but not both', async () => {
    const config = { table: 't', userSecretRef: { name: 's', key: 'u' } };
    const fields = new ConfigFields(config, 'x source');
    assert.deepEqual(valueSource(config, fields, 'table', true), { value: 't' });
    const user = valueSource(config, fields, 'user', false);
    assert.deepEqual(user, { secretRef: { name: 's', key: 'u' } });
    assert.equal(valueSource(config, fields, 'password', false), undefined);
    assert.throws(() => valueSource(config, fields, 'schema', true), /config.schema must be set \(or schemaSecretRef\)/);
    const both = { table: 't', tableSecretRef: { name: 's', key: 'k' } };
    assert.throws(() => valueSource(both, new ConfigFields(both, 'x source'), 'table', true), /both set/);

    const secrets = { read: (ref: { name: string; key: string }) => (ref.key === 'u' ? Promise.resolve(' alice \n') : Promise.resolve('  ')) };
    assert.equal(await resolveValue(user, secrets, 'x source', 'user'), 'alice');
    await assert.rejects(resolveValue({ secretRef: { name: 's', key: 'e' } }, secrets, 'x source', 'user'), /Secret s\/e of config.userSecretRef is empty/);
    await assert.rejects(resolveValue({ secretRef: { name: 's', key: 'u' } }, { read: () => Promise.reject(new Error('gone')) }, 'x source', 'user'), /cannot be read: gone/);
  });
});
