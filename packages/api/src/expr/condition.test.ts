import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCondition } from './condition.js';
import { ExpressionError } from './errors.js';

const ORDER = {
  status: 'active',
  amount: 150,
  price: 9.5,
  count: 0,
  zero: '0',
  flagFalse: 'false',
  empty: '',
  nothing: null,
  yes: true,
  no: false,
  numericString: '5',
  user: { name: 'Ann', tags: ['a', 'b'], address: { city: 'Berlin' } },
  items: [{ sku: 'x1', qty: 2 }, { sku: 'x2', qty: 0 }],
  obj: {},
  list: [],
  'dotted.key': 'dk',
  name: "O'Brien",
  negative: -3,
  big: 1500,
};

// [condition, expected result against ORDER]
const EVALUATE: ReadonlyArray<readonly [string, boolean]> = [
  // truthiness
  ['status', true],
  ['$.status', true],
  ['missing', false],
  ['count', false],
  ['zero', true],
  ['flagFalse', false],
  ['empty', false],
  ['nothing', false],
  ['yes', true],
  ['no', false],
  ['obj', true],
  ['list', true],
  ['user.address.city', true],
  ['items[1].qty', false],
  ['items.0.qty', true],
  ['dotted\\.key', true],
  ["['dotted.key']", true],
  ['$', true],
  // typed equality
  ["status == 'active'", true],
  ['status == "active"', true],
  ["$.status=='active'", true],
  ["status == 'Active'", false],
  ['amount == 150', true],
  ["amount == '150'", false],
  ['numericString == 5', false],
  ["numericString == '5'", true],
  ['yes == true', true],
  ["yes == 'true'", false],
  ['no == false', true],
  ['nothing == null', true],
  ['missing == null', false],
  ['price == 9.5', true],
  ['big == 1.5e3', true],
  ['negative == -3', true],
  ["name == 'O\\'Brien'", true],
  ['name == "O\'Brien"', true],
  ['obj == null', false],
  // inequality: the field must exist
  ["status != 'inactive'", true],
  ["status != 'active'", false],
  ["missing != 'x'", false],
  ['nothing != null', false],
  ['amount != 150', false],
  ["amount != '150'", true],
  // ordering
  ['amount > 100', true],
  ['amount >= 150', true],
  ['amount < 150', false],
  ['amount <= 150', true],
  ['negative < -2.5', true],
  ["status > 'abc'", true],
  ["status < 'b'", true],
  ['numericString > 1', false],
  ["amount > '1'", false],
  ['missing > 0', false],
  ['user > 1', false],
  // boolean operators and precedence
  ["status == 'active' && amount > 100", true],
  ["status == 'active' && amount > 1000", false],
  ["status == 'x' || amount > 100", true],
  ['!missing', true],
  ['!status', false],
  ["!(status == 'x')", true],
  ['!missing == 1', true],
  ['!!status', true],
  ['count || empty || yes', true],
  ['yes || no && missing', true],
  ['(yes || no) && missing', false],
  ['no && missing || yes', true],
  ['no && (missing || yes)', false],
  ["!no && !(count) && user.name == 'Ann'", true],
  ["  ( status  ==  'active' )  ", true],
  ["items[0].sku == 'x1' && items[1].sku != 'x1'", true],
  ['user.tags[1] == "b"', true],
];

const INVALID: ReadonlyArray<readonly [string, RegExp]> = [
  ['', /condition is empty/],
  ['   ', /condition is empty/],
  ['status == active', /quote string literals, e\.g\. 'active'/],
  ['status == $.other', /quote string literals/],
  ['a = 1', /use "==" to compare/],
  ['a === 1', /unexpected "=" after "=="/],
  ['a & b', /use "&&" for AND/],
  ['a | b', /use "\|\|" for OR/],
  ['(a && b', /unclosed "\("/],
  ['a && b)', /unmatched "\)"/],
  ['a &&', /condition ended/],
  ['a ==', /expected a value after "=="/],
  ["a == 'x", /unterminated string literal/],
  ["a == 'x\\q'", /unknown escape/],
  ['a == 5x', /invalid number/],
  ['a == 01', /invalid number/],
  ['a == 1e999', /out of range/],
  ['a < true', /compares numbers or strings, not true/],
  ['a >= null', /compares numbers or strings, not null/],
  ["'x' == a", /must be a path/],
  ['true', /cannot stand alone/],
  ['a b', /unexpected "b"/],
  ['a.*', /wildcard/],
  ['a[?(@.x)] == 1', /filter expressions/],
  ['a..b', /recursive descent/],
  ['()', /unexpected "\)"|unmatched/],
  ['a == 1 == 2', /unexpected "="/],
  ['!', /condition ended/],
  ['(' .repeat(70) + 'a' + ')'.repeat(70), /nested more than 64/],
];

void describe('parseCondition + evaluate', () => {
  for (const [text, expected] of EVALUATE) {
    void it(`${text} → ${String(expected)}`, () => {
      const condition = parseCondition(text);
      assert.equal(condition.text, text);
      assert.equal(condition.evaluate(ORDER), expected);
    });
  }
});

void describe('parseCondition errors', () => {
  for (const [text, message] of INVALID) {
    void it(`rejects ${JSON.stringify(text.slice(0, 40))}`, () => {
      assert.throws(
        () => parseCondition(text),
        (error: unknown) => {
          assert.ok(error instanceof ExpressionError);
          assert.match(error.message, message);
          assert.equal(error.expression, text);
          assert.ok(error.position >= 0 && error.position <= text.length);
          return true;
        },
      );
    });
  }

  void it('reports path errors at their position in the whole condition', () => {
    assert.throws(() => parseCondition("status == 'a' && x.*"), {
      message: `wildcard "*" is not supported at 20 in "status == 'a' && x.*"`,
    });
  });
});

void describe('condition AST', () => {
  void it('binds && tighter than || and ! tighter than &&', () => {
    const { ast } = parseCondition('!a || b && c');
    assert.equal(ast.kind, 'or');
    if (ast.kind !== 'or') return;
    assert.equal(ast.left.kind, 'not');
    assert.equal(ast.right.kind, 'and');
  });

  void it('keeps typed literals', () => {
    const literal = (text: string): unknown => {
      const { ast } = parseCondition(`x == ${text}`);
      return ast.kind === 'compare' ? ast.value : undefined;
    };
    assert.equal(literal('5'), 5);
    assert.equal(literal('-0.5'), -0.5);
    assert.equal(literal('2E2'), 200);
    assert.equal(literal("'5'"), '5');
    assert.equal(literal('"a\\nb\\u0041"'), 'a\nbA');
    assert.equal(literal('true'), true);
    assert.equal(literal('false'), false);
    assert.equal(literal('null'), null);
  });

  void it('parses paths with the shared dialect', () => {
    const { ast } = parseCondition("$.a['b c'][0] == 1");
    assert.equal(ast.kind, 'compare');
    if (ast.kind === 'compare') assert.deepEqual(ast.path.segments, ['a', 'b c', 0]);
  });
});

void describe('non-object roots', () => {
  const roots: unknown[] = ['text', 42, null, true, [1, 2], undefined];
  for (const root of roots) {
    void it(`never match a field against ${JSON.stringify(root)}`, () => {
      assert.equal(parseCondition('status').evaluate(root), false);
      assert.equal(parseCondition("status == 'x'").evaluate(root), false);
      assert.equal(parseCondition("status != 'x'").evaluate(root), false);
      assert.equal(parseCondition('!status').evaluate(root), true);
    });
  }

  void it('index a root array', () => {
    assert.equal(parseCondition('[1] == 2').evaluate([1, 2]), true);
    assert.equal(parseCondition('$[0] == 1').evaluate([1, 2]), true);
  });
});
