import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { fileSinkSchema, fileSourceSchema } from './file.js';
import { checkSinkConfig, checkSourceConfig } from './index.js';
import { stdoutSinkSchema } from './stdout.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

void describe('file source and sink', () => {
  void it('accept a path and fill in the defaults', () => {
    const config: Record<string, unknown> = { path: 'examples/orders.ndjson' };
    assert.deepEqual(schemaErrors(fileSourceSchema, config), []);
    assert.deepEqual(config, { path: 'examples/orders.ndjson', follow: false, format: 'json' });
    assert.deepEqual(checkSourceConfig('file', config, 'spec.source.config'), []);
    assert.deepEqual(schemaErrors(fileSinkSchema, { path: '/tmp/out.ndjson' }), []);
    assert.deepEqual(checkSinkConfig('file', { path: '/tmp/out.ndjson' }, 'spec.sink.config'), []);
  });

  void it('schema requires a non-empty path and knows only json', () => {
    assert.equal(schemaErrors(fileSourceSchema, {}).length, 1);
    assert.equal(schemaErrors(fileSourceSchema, { path: '' }).length, 1);
    assert.equal(schemaErrors(fileSourceSchema, { path: 'a', format: 'csv' }).length, 1);
    assert.equal(schemaErrors(fileSinkSchema, { path: 'a', follow: true }).length, 1);
  });

  void it('refuses a NUL in the path', () => {
    assert.deepEqual(checkSinkConfig('file', { path: 'a\u0000b' }, 'spec.errors.config'), [
      { path: 'spec.errors.config.path', message: 'must not contain a NUL character' },
    ]);
  });
});

void describe('stdout sink', () => {
  void it('takes only pretty, default false', () => {
    const config: Record<string, unknown> = {};
    assert.deepEqual(schemaErrors(stdoutSinkSchema, config), []);
    assert.deepEqual(config, { pretty: false });
    assert.equal(schemaErrors(stdoutSinkSchema, { colour: true }).length, 1);
    assert.deepEqual(checkSinkConfig('stdout', { pretty: true }, 'spec.sink.config'), []);
  });
});
