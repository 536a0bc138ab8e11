import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServerVersion, supportsInsertDeduplicationToken, supportsQueryParameters } from './version.js';

void describe('clickhouse server version', () => {
  void it('turns modern features on only where the server has them', () => {
    const old = parseServerVersion('18.16.1\n');
    assert.deepEqual(old, { major: 18, minor: 16, text: '18.16.1' });
    assert.equal(supportsQueryParameters(old), false);
    assert.equal(supportsInsertDeduplicationToken(old), false);
    assert.equal(supportsQueryParameters(parseServerVersion('19.11.3.11')), true);
    assert.equal(supportsInsertDeduplicationToken(parseServerVersion('22.1.3')), false);
    assert.equal(supportsInsertDeduplicationToken(parseServerVersion('24.3.2.23')), true);
    assert.throws(() => parseServerVersion('unknown'));
  });
});
