import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCamelCase } from './keys.js';
import { INVALID_UTF8, build, deepObject, message, run } from './test-support.js';

void describe('camelCase key algorithm', () => {
  const pascal: Array<[string, string]> = [
    ['first_name', 'FirstName'],
    ['name', 'Name'],
    ['id', 'Id'],
    ['_metadata', 'Metadata'],
    ['userId', 'UserId'],
    ['a__b_', 'AB'],
    ['__', '__'],
    ['über_straße', 'ÜberStraße'],
  ];
  for (const [input, expected] of pascal) {
    void it(`pascal: ${input} → ${expected}`, () => assert.equal(toCamelCase(input, 'pascal'), expected));
  }
  const camel: Array<[string, string]> = [
    ['first_name', 'firstName'],
    ['UserId', 'userId'],
    ['_metadata', 'metadata'],
    ['id', 'id'],
  ];
  for (const [input, expected] of camel) {
    void it(`camel: ${input} → ${expected}`, () => assert.equal(toCamelCase(input, 'camel'), expected));
  }
});

void describe('camelCase', () => {
  void it('docs: default style is PascalCase (upstream-compatible)', () => {
    assert.deepEqual(run(build('camelCase', {}), { first_name: 'John', last_name: 'Doe', is_active: true }), [{ FirstName: 'John', LastName: 'Doe', IsActive: true }]);
  });

  void it('style camel', () => {
    assert.deepEqual(run(build('camelCase', { style: 'camel', deep: true }), { first_name: 'J', home_address: { zip_code: '1' } }), [
      { firstName: 'J', homeAddress: { zipCode: '1' } },
    ]);
  });

  void it('collisions: a key already in target form wins, else the first in document order', () => {
    const t = build('camelCase', { style: 'camel' });
    assert.deepEqual(run(t, { user_id: 'converted', userId: 'native' }), [{ userId: 'native' }]);
    assert.deepEqual(run(t, { user_id: 'first', _user_id: 'second' }), [{ userId: 'first' }]);
  });

  void it('deep at depth 1000', () => {
    const [out] = run(build('camelCase', { deep: true }), deepObject(1000, 'nest_key'));
    assert.ok(out !== null && typeof out === 'object' && 'NestKey' in out);
  });

  void it('raw payloads pass through; unknown style is a config error', () => {
    const msg = message(INVALID_UTF8);
    assert.deepEqual(build('camelCase', {}).apply(msg), [msg]);
    assert.throws(() => build('camelCase', { style: 'kebab' }), /config\.style: must be one of "pascal", "camel"/);
  });
});
