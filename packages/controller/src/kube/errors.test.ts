import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { errorSummary, toKubeError } from './errors.js';

void describe('toKubeError', () => {
  void it('maps API status codes to kinds and keeps only the server message', () => {
    const cases: Array<[number, string | undefined, string]> = [
      [404, 'NotFound', 'NotFound'],
      [409, 'Conflict', 'Conflict'],
      [409, 'AlreadyExists', 'AlreadyExists'],
      [410, 'Expired', 'Gone'],
      [403, 'Forbidden', 'Forbidden'],
      [422, 'Invalid', 'Invalid'],
      [503, undefined, 'Unavailable'],
    ];
    for (const [code, reason, kind] of cases) {
      const raw = new ApiException(code, 'Unsuccessful HTTP Request', { kind: 'Status', reason, message: `server says ${code}` }, { authorization: 'Bearer secret-token' });
      const mapped = toKubeError(raw, 'get Deployment shop/df-orders');
      assert.equal(mapped.kind, kind);
      assert.equal(mapped.code, code);
      assert.equal(mapped.message, `get Deployment shop/df-orders: server says ${code}`);
      assert.doesNotMatch(JSON.stringify(errorSummary(mapped)), /secret-token/, 'headers never leak');
    }
  });

  void it('reads a Status body given as text and watch errors with statusCode', () => {
    const text = new ApiException(409, 'x', JSON.stringify({ reason: 'Conflict', message: 'the object has been modified' }), {});
    assert.equal(toKubeError(text, 'patch').message, 'patch: the object has been modified');
    const watch = Object.assign(new Error('Gone'), { statusCode: 410 });
    assert.equal(toKubeError(watch, 'watch').kind, 'Gone');
  });

  void it('treats errors without an HTTP answer as Unavailable', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const mapped = toKubeError(refused, 'list Pod');
    assert.equal(mapped.kind, 'Unavailable');
    assert.equal(mapped.message, 'list Pod: TypeError (ECONNREFUSED): fetch failed');
  });
});
