import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toSnakeCase } from './keys.js';
import { INVALID_UTF8, build, deepArray, deepObject, message, run } from './test-support.js';

void describe('snakeCase key algorithm', () => {
  const cases: Array<[string, string]> = [
    ['firstName', 'first_name'],
    ['UserID', 'user_id'],
    ['XMLHttpRequest', 'xml_http_request'],
    ['item2Name', 'item2_name'],
    ['already_snake', 'already_snake'],
    ['isActive', 'is_active'],
    ['ID', 'id'],
    ['first_Name', 'first_name'],
    ['ÄpfelÜber', 'äpfel_über'],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    void it(`${input} → ${expected}`, () => assert.equal(toSnakeCase(input), expected));
  }
});

void describe('snakeCase', () => {
  void it('docs: root keys', () => {
    assert.deepEqual(run(build('snakeCase', {}), { firstName: 'John', lastName: 'Doe', isActive: true }), [{ first_name: 'John', last_name: 'Doe', is_active: true }]);
  });

  void it('docs: deep converts nested objects', () => {
    const input = { firstName: 'John', lastName: 'Doe', email: 'john@example.com', address: { streetName: 'Main St', zipCode: '12345' } };
    assert.deepEqual(run(build('snakeCase', { deep: true }), input), [
      { first_name: 'John', last_name: 'Doe', email: 'john@example.com', address: { street_name: 'Main St', zip_code: '12345' } },
    ]);
  });

  void it('without deep, nested objects and root arrays are left alone', () => {
    const t = build('snakeCase', {});
    assert.deepEqual(run(t, { outerKey: { innerKey: 1 } }), [{ outer_key: { innerKey: 1 } }]);
    const arr = message([{ someKey: 1 }]);
    assert.deepEqual(t.apply(arr), [arr]);
  });

  void it('deep descends through arrays, including a root array', () => {
    assert.deepEqual(run(build('snakeCase', { deep: true }), [{ someKey: [{ otherKey: 1 }, 2] }]), [[{ some_key: [{ other_key: 1 }, 2] }]]);
  });

  void it('collisions: a key already in snake_case wins, else the first in document order', () => {
    const t = build('snakeCase', {});
    assert.deepEqual(run(t, { userId: 'converted', user_id: 'native' }), [{ user_id: 'native' }]);
    assert.deepEqual(run(t, { user_id: 'native', userId: 'converted' }), [{ user_id: 'native' }]);
    assert.deepEqual(run(t, { userId: 'first', UserId: 'second' }), [{ user_id: 'first' }]);
  });

  void it('returns the same message when every key is already snake_case', () => {
    const msg = message({ a_b: 1, c: { dE: 2 } });
    assert.equal(build('snakeCase', {}).apply(msg)[0], msg);
  });

  void it('deep handles depth 1000 and 50,000 without recursion', () => {
    const t = build('snakeCase', { deep: true });
    for (const depth of [1000, 50_000]) {
      const [out] = run(t, deepObject(depth, 'nestKey'));
      let node = out as Record<string, unknown>;
      let levels = 0;
      while (node['nest_key'] !== undefined) {
        node = node['nest_key'] as Record<string, unknown>;
        levels += 1;
      }
      assert.equal(levels, depth);
      assert.deepEqual(node, { leaf_value: 1 });
    }
    assert.ok(run(t, deepArray(1000)).length === 1);
  });

  void it('raw payloads and scalars pass through', () => {
    const t = build('snakeCase', { deep: true });
    for (const value of [INVALID_UTF8, 'someKey', 5, null]) {
      const msg = message(value);
      assert.deepEqual(t.apply(msg), [msg]);
    }
  });

  void it('rejects a non-boolean deep', () => {
    assert.throws(() => build('snakeCase', { deep: 'yes' }), /config\.deep: must be true or false/);
  });
});
