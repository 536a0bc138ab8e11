import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordError } from '../errors.js';
import { INVALID_UTF8, build, message, run } from './test-support.js';

void describe('headersToPayload', () => {
  const t = build('headersToPayload', { mappings: ['X-Request-Id:requestId', 'X-Language:$.metadata.language'] });

  void it('docs: copies a header into the payload as a string', () => {
    assert.deepEqual(run(t, { data: 'value' }, { headers: { 'X-Request-Id': 'req-123' } }), [{ data: 'value', requestId: 'req-123' }]);
  });

  void it('creates nesting; falls back to the headers metadata map and to a case-insensitive match', () => {
    assert.deepEqual(run(t, { data: 1 }, { meta: { headers: { 'x-language': 'en' } } }), [{ data: 1, metadata: { language: 'en' } }]);
  });

  void it('exact names win over case-insensitive matches', () => {
    assert.deepEqual(run(t, {}, { headers: { 'x-request-id': 'lower', 'X-Request-Id': 'exact' } }), [{ requestId: 'exact' }]);
  });

  void it('missing headers are skipped (same message back)', () => {
    const msg = message({ data: 1 });
    assert.equal(t.apply(msg)[0], msg);
  });

  void it('raw payloads and non-object roots pass through; a path through a scalar is a record error', () => {
    for (const value of [INVALID_UTF8, [1], 'x']) {
      const msg = message(value, { headers: { 'X-Request-Id': 'r' } });
      assert.deepEqual(t.apply(msg), [msg]);
    }
    assert.throws(() => run(t, { metadata: 'text' }, { headers: { 'X-Language': 'en' } }), RecordError);
  });

  void it('malformed mappings are config errors', () => {
    assert.throws(() => build('headersToPayload', { mappings: ['NoColon'] }), /config\.mappings\[0\]: invalid mapping/);
    assert.throws(() => build('headersToPayload', { mappings: [] }), /config\.mappings: must list at least one entry/);
  });
});
