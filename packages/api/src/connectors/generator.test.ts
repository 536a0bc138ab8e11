import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import type { JsonSchema } from '../json-schema.js';
import { generatorSourceSchema, parseGeneratorTemplate } from './generator.js';
import { checkSourceConfig } from './index.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });

function schemaErrors(schema: JsonSchema, value: unknown): string[] {
  const validate = ajv.compile(schema);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const check = (config: Record<string, unknown>) => checkSourceConfig('generator', config, 'spec.source.config');

void describe('generator source schema', () => {
  void it('accepts a nested template and fills in count 0 (unbounded)', () => {
    const config: Record<string, unknown> = {
      template: { id: '{{seq}}', user: { name: 'user-{{randomInt:1:100}}', tags: ['{{randomChoice:a|b}}'] }, active: true },
      ratePerSecond: 50,
      seed: 42,
    };
    assert.deepEqual(schemaErrors(generatorSourceSchema, config), []);
    assert.equal(config['count'], 0);
    assert.deepEqual(check(config), []);
  });

  void it('requires a non-empty template and rejects negative counts', () => {
    assert.equal(schemaErrors(generatorSourceSchema, {}).length, 1);
    assert.equal(schemaErrors(generatorSourceSchema, { template: {} }).length, 1);
    assert.equal(schemaErrors(generatorSourceSchema, { template: { a: 1 }, count: -1 }).length, 1);
    assert.equal(schemaErrors(generatorSourceSchema, { template: { a: 1 }, seed: 1.5 }).length, 1);
  });
});

void describe('parseGeneratorTemplate', () => {
  void it('splits text and placeholders', () => {
    assert.deepEqual(parseGeneratorTemplate('plain'), ['plain']);
    assert.deepEqual(parseGeneratorTemplate(''), []);
    assert.deepEqual(parseGeneratorTemplate('{{seq}}'), [{ kind: 'seq' }]);
    assert.deepEqual(parseGeneratorTemplate('id-{{uuid}} at {{now}}!'), ['id-', { kind: 'uuid' }, ' at ', { kind: 'now' }, '!']);
    assert.deepEqual(parseGeneratorTemplate('{{randomInt:-5:5}}{{randomFloat:0:1.5}}'), [
      { kind: 'randomInt', min: -5, max: 5 },
      { kind: 'randomFloat', min: 0, max: 1.5 },
    ]);
    assert.deepEqual(parseGeneratorTemplate('{{randomChoice:new|paid|shipped}}'), [{ kind: 'randomChoice', options: ['new', 'paid', 'shipped'] }]);
  });

  void it('names the fault of a malformed placeholder', () => {
    assert.throws(() => parseGeneratorTemplate('{{sequence}}'), /^Error: unknown placeholder \{\{sequence\}\}: use \{\{seq\}\}/);
    assert.throws(() => parseGeneratorTemplate('{{seq'), /without a closing/);
    assert.throws(() => parseGeneratorTemplate('{{seq:1}}'), /\{\{seq\}\} takes no arguments/);
    assert.throws(() => parseGeneratorTemplate('{{randomInt:1.5:3}}'), /needs two integers/);
    assert.throws(() => parseGeneratorTemplate('{{randomInt:1}}'), /needs two integers/);
    assert.throws(() => parseGeneratorTemplate('{{randomFloat:a:b}}'), /needs two numbers/);
    assert.throws(() => parseGeneratorTemplate('{{randomInt:9:1}}'), /min greater than max/);
    assert.throws(() => parseGeneratorTemplate('{{randomChoice:a||b}}'), /non-empty options/);
    assert.throws(() => parseGeneratorTemplate('{{randomChoice}}'), /non-empty options/);
  });
});

void describe('generator source checks', () => {
  void it('reports a bad placeholder at its template path', () => {
    assert.deepEqual(check({ template: { user: { ids: ['ok', '{{randomInt:5:1}}'] } } }), [
      { path: 'spec.source.config.template.user.ids[1]', message: '{{randomInt:5:1}} has min greater than max' },
    ]);
  });

  void it('wants a positive rate', () => {
    assert.deepEqual(check({ template: { a: 1 }, ratePerSecond: 0 }), [
      { path: 'spec.source.config.ratePerSecond', message: 'must be greater than 0; leave it out to emit as fast as possible' },
    ]);
  });
});
