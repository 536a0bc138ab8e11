import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayName, parseColumnList, parseQualifiedName, quoteIdent, quoteQualified } from './sql.js';

void describe('postgresql sql identifiers', () => {
  void it('quotes every identifier and doubles embedded quotes', () => {
    assert.equal(quoteIdent('id'), '"id"');
    assert.equal(quoteIdent('Mixed Case'), '"Mixed Case"');
    assert.equal(quoteIdent('a"b'), '"a""b"');
    assert.equal(quoteIdent('x"; DROP TABLE t; --'), '"x""; DROP TABLE t; --"');
    assert.throws(() => quoteIdent('a\0b'), /NUL/);
  });

  void it('splits schema.table on the dot outside quotes', () => {
    assert.deepEqual(parseQualifiedName('orders'), { name: 'orders' });
    assert.deepEqual(parseQualifiedName('sales.orders'), { schema: 'sales', name: 'orders' });
    assert.deepEqual(parseQualifiedName('Mixed Case.Order-Items'), { schema: 'Mixed Case', name: 'Order-Items' });
    assert.deepEqual(parseQualifiedName('"Mixed Case"."Order-Items"'), { schema: 'Mixed Case', name: 'Order-Items' });
    assert.deepEqual(parseQualifiedName('"a.b".c'), { schema: 'a.b', name: 'c' });
    assert.deepEqual(parseQualifiedName('"say ""hi"""'), { name: 'say "hi"' });
  });

  void it('keeps unquoted names as written (no lower-casing)', () => {
    assert.deepEqual(parseQualifiedName('Public.Orders'), { schema: 'Public', name: 'Orders' });
    assert.equal(quoteQualified(parseQualifiedName('Public.Orders')), '"Public"."Orders"');
  });

  void it('refuses empty parts, three parts and broken quotes', () => {
    assert.throws(() => parseQualifiedName('a..b'), /empty part/);
    assert.throws(() => parseQualifiedName('.b'), /empty part/);
    assert.throws(() => parseQualifiedName('a.b.c'), /3 dot-separated parts/);
    assert.throws(() => parseQualifiedName('"abc'), /unterminated/);
    assert.throws(() => parseQualifiedName('"a"b'), /after a quoted name/);
  });

  void it('renders qualified names', () => {
    assert.equal(quoteQualified({ schema: 's', name: 't' }), '"s"."t"');
    assert.equal(quoteQualified({ name: 't' }), '"t"');
    assert.equal(displayName({ schema: 's', name: 't' }), 's.t');
  });

  void it('parses column lists', () => {
    assert.deepEqual(parseColumnList('id'), ['id']);
    assert.deepEqual(parseColumnList(' tenant_id , id '), ['tenant_id', 'id']);
    assert.throws(() => parseColumnList('a,,b'), /empty entry/);
    assert.throws(() => parseColumnList('a,a'), /twice/);
  });
});
