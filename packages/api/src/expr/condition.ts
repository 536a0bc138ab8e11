// The single condition grammar shared by filter and router (decisions.md §4).
//
//   condition := or
//   or        := and ( "||" and )*
//   and       := unary ( "&&" unary )*
//   unary     := "!" unary | primary
//   primary   := "(" or ")" | path [ op literal ]
//   op        := "==" | "!=" | "<" | "<=" | ">" | ">="
//   literal   := 'single' | "double" | number | true | false | null
//
// Semantics:
// - `path` alone tests truthiness: missing, null, false, "", 0 and "false" are falsy; everything else
//   (including "0", objects and arrays) is truthy — upstream's filter rule.
// - `==` is strict typed equality: "5" (a string in the payload) does not equal 5, and true does not
//   equal "true". Objects and arrays never equal a literal.
// - `!=` needs the field to exist and differ; a missing field fails both `==` and `!=`.
// - `<`, `<=`, `>`, `>=` compare numbers with a number literal, or strings (by UTF-16 code units) with a
//   string literal; any other pairing (or a missing field) is false.
// - A comparison binds tighter than `!`: `!a == 1` means `!(a == 1)`, and is true when `a` is missing.
// - String literals must be quoted: a bare word on the right (`status == active`) is an error.
//   Escapes inside quotes: \\ \' \" \n \r \t \b \f \/ \uXXXX.
// - A literal cannot stand alone (`true`, 'x' as a whole operand is an error); a key named `true`
//   is written ['true'].
import { ExpressionError, describeChar } from './errors.js';
import type { CompiledPath } from './path.js';
import { findPathEnd, parsePathSpan } from './path-syntax.js';
import { MISSING, resolve } from './resolve.js';

export type Literal = string | number | boolean | null;
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type ConditionNode =
  | { kind: 'truthy'; path: CompiledPath }
  | { kind: 'compare'; op: ComparisonOperator; path: CompiledPath; value: Literal }
  | { kind: 'not'; operand: ConditionNode }
  | { kind: 'and' | 'or'; left: ConditionNode; right: ConditionNode };

export interface CompiledCondition {
  /** The text as written in the spec. */
  readonly text: string;
  readonly ast: ConditionNode;
  /** Evaluates against a parsed JSON document; never throws. Non-object roots simply don't resolve. */
  evaluate(root: unknown): boolean;
}

/** Parses and compiles a condition once; throws ExpressionError on bad syntax. */
export function parseCondition(text: string): CompiledCondition {
  const ast = new ConditionParser(text).parse();
  const evaluate = compile(ast);
  return { text, ast, evaluate };
}

/** Upstream's truthiness: missing (undefined), null, false, "", 0 and "false" are falsy. */
export function isTruthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0 && value !== 'false';
}

const MAX_NESTING = 64;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD_END = new Set([' ', '\t', '\n', '\r', '(', ')', '=', '!', '<', '>', '&', '|']);
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\', "'": "'", '"': '"', '/': '/', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f',
};

function isWhitespace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

function isOrdering(op: ComparisonOperator): boolean {
  return op === '<' || op === '<=' || op === '>' || op === '>=';
}

class ConditionParser {
  private readonly text: string;
  private pos = 0;
  private nesting = 0;

  constructor(text: string) {
    this.text = text;
  }

  parse(): ConditionNode {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('condition is empty');
    const node = this.parseOr();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.failUnexpected('expected "&&", "||" or the end of the condition');
    return node;
  }

  private fail(reason: string, at = this.pos): never {
    throw new ExpressionError(reason, this.text, at);
  }

  /** Explains a character that cannot appear where it stands. */
  private failUnexpected(expected: string): never {
    const ch = this.text[this.pos] as string;
    const next = this.text[this.pos + 1];
    if (ch === '&' && next !== '&') this.fail('use "&&" for AND');
    if (ch === '|' && next !== '|') this.fail('use "||" for OR');
    if (ch === '=' && next !== '=') this.fail('use "==" to compare');
    if (ch === ')') this.fail('unmatched ")"');
    this.fail(`unexpected ${describeChar(ch)} (${expected})`);
  }

  private skipWhitespace(): void {
    while (isWhitespace(this.text[this.pos])) this.pos += 1;
  }

  private enter(): void {
    this.nesting += 1;
    if (this.nesting > MAX_NESTING) this.fail(`nested more than ${MAX_NESTING} levels deep`);
  }

  private parseOr(): ConditionNode {
    let left = this.parseAnd();
    for (;;) {
      this.skipWhitespace();
      if (!this.text.startsWith('||', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
  }

  private parseAnd(): ConditionNode {
    let left = this.parseUnary();
    for (;;) {
      this.skipWhitespace();
      if (!this.text.startsWith('&&', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
  }

  private parseUnary(): ConditionNode {
    this.skipWhitespace();
    if (this.text[this.pos] === '!' && this.text[this.pos + 1] !== '=') {
      this.pos += 1;
      this.enter();
      const operand = this.parseUnary();
      this.nesting -= 1;
      return { kind: 'not', operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): ConditionNode {
    this.skipWhitespace();
    const { text } = this;
    if (this.pos >= text.length) this.fail('expected a path, "!" or "(" but the condition ended');
    const ch = text[this.pos] as string;

    if (ch === '(') {
      const open = this.pos;
      this.pos += 1;
      this.enter();
      const inner = this.parseOr();
      this.nesting -= 1;
      this.skipWhitespace();
      if (this.pos >= text.length) this.fail('unclosed "("', open);
      if (text[this.pos] !== ')') this.failUnexpected('expected ")"');
      this.pos += 1;
      return inner;
    }
    if (ch === "'" || ch === '"') {
      this.fail('a condition operand must be a path; string literals go on the right of a comparison');
    }
    if (WORD_END.has(ch)) this.failUnexpected('expected a path, "!" or "("');

    const start = this.pos;
    const end = findPathEnd(text, start);
    const word = text.slice(start, end);
    if (word === 'true' || word === 'false' || word === 'null') {
      this.fail(`the literal ${word} cannot stand alone; compare a path with it (a key named "${word}" is written ['${word}'])`, start);
    }
    const path: CompiledPath = { text: word, segments: parsePathSpan(text, start, end) };
    this.pos = end;
    this.skipWhitespace();

    const op = this.readOperator();
    if (op === undefined) return { kind: 'truthy', path };
    this.skipWhitespace();
    const valueAt = this.pos;
    const value = this.readLiteral(op);
    if (isOrdering(op) && typeof value !== 'number' && typeof value !== 'string') {
      this.fail(`"${op}" compares numbers or strings, not ${String(value)}`, valueAt);
    }
    return { kind: 'compare', op, path, value };
  }

  private readOperator(): ComparisonOperator | undefined {
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      this.pos += 2;
      if (this.text[this.pos] === '=') this.fail(`unexpected "=" after "${two}"`);
      return two;
    }
    const one = this.text[this.pos];
    if (one === '<' || one === '>') {
      this.pos += 1;
      return one;
    }
    if (one === '=') this.fail('use "==" to compare');
    return undefined;
  }

  private readLiteral(op: ComparisonOperator): Literal {
    const { text } = this;
    if (this.pos >= text.length) this.fail(`expected a value after "${op}"`);
    const ch = text[this.pos] as string;
    if (ch === "'" || ch === '"') return this.readString(ch);
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.readNumber();
    if (WORD_END.has(ch)) this.failUnexpected(`expected a value after "${op}"`);

    const start = this.pos;
    let end = start;
    while (end < text.length && !WORD_END.has(text[end] as string)) end += 1;
    const word = text.slice(start, end);
    if (word === 'true' || word === 'false' || word === 'null') {
      this.pos = end;
      return word === 'null' ? null : word === 'true';
    }
    return this.fail(
      `unquoted value ${JSON.stringify(word)}: quote string literals, e.g. '${word}' (comparing two fields is not supported)`,
      start,
    );
  }

  private readString(quote: string): string {
    const { text } = this;
    const open = this.pos;
    let value = '';
    let i = open + 1;
    for (;;) {
      if (i >= text.length) this.fail('unterminated string literal', open);
      const ch = text[i] as string;
      if (ch === quote) break;
      if (ch !== '\\') {
        value += ch;
        i += 1;
        continue;
      }
      const escape = text[i + 1];
      if (escape === undefined) this.fail('unterminated string literal', open);
      if (escape === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('"\\u" needs four hex digits', i);
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const replacement = STRING_ESCAPES[escape];
      if (replacement === undefined) this.fail(`unknown escape "\\${escape}" in a string literal`, i);
      value += replacement;
      i += 2;
    }
    this.pos = i + 1;
    return value;
  }

  private readNumber(): number {
    const { text } = this;
    const start = this.pos;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(text);
    let end = start;
    while (end < text.length && !WORD_END.has(text[end] as string)) end += 1;
    if (match === null || NUMBER.lastIndex !== end) {
      this.fail(`invalid number ${JSON.stringify(text.slice(start, end))}`, start);
    }
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.fail(`number ${match[0]} is out of range`, start);
    this.pos = end;
    return value;
  }
}

type Predicate = (root: unknown) => boolean;

function compile(node: ConditionNode): Predicate {
  switch (node.kind) {
    case 'truthy': {
      const { segments } = node.path;
      return (root) => {
        const value = resolve(root, segments);
        return value !== MISSING && isTruthy(value);
      };
    }
    case 'compare': {
      const { segments } = node.path;
      const test = comparator(node.op, node.value);
      return (root) => {
        const value = resolve(root, segments);
        return value !== MISSING && test(value);
      };
    }
    case 'not': {
      const operand = compile(node.operand);
      return (root) => !operand(root);
    }
    case 'and': {
      const left = compile(node.left);
      const right = compile(node.right);
      return (root) => left(root) && right(root);
    }
    case 'or': {
      const left = compile(node.left);
      const right = compile(node.right);
      return (root) => left(root) || right(root);
    }
  }
}

/** The test applied to a field that exists. Literals are primitives, so `===` is typed equality. */
function comparator(op: ComparisonOperator, literal: Literal): (value: unknown) => boolean {
  switch (op) {
    case '==':
      return (value) => value === literal;
    case '!=':
      return (value) => value !== literal;
    default:
      break;
  }
  // Ordering: the parser only allows number and string literals here.
  const kind = typeof literal;
  const bound = literal as number | string;
  switch (op) {
    case '<':
      return (value) => typeof value === kind && (value as number | string) < bound;
    case '<=':
      return (value) => typeof value === kind && (value as number | string) <= bound;
    case '>':
      return (value) => typeof value === kind && (value as number | string) > bound;
    case '>=':
      return (value) => typeof value === kind && (value as number | string) >= bound;
  }
}
