import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RESOURCES } from './spec-fields.js';
import { quantityBytes, workerNodeOptions } from './worker-heap.js';

void describe('worker heap limits', () => {
  void it('reads Kubernetes memory quantities', () => {
    assert.equal(quantityBytes('512Mi'), 512 * 1024 ** 2);
    assert.equal(quantityBytes('1Gi'), 1024 ** 3);
    assert.equal(quantityBytes('1.5Gi'), 1.5 * 1024 ** 3);
    assert.equal(quantityBytes('500M'), 500e6);
    assert.equal(quantityBytes('128974848'), 128974848);
    assert.equal(quantityBytes('129e6'), 129e6);
    assert.equal(quantityBytes('123Ki'), 123 * 1024);
    assert.equal(quantityBytes(2048), 2048);
    for (const bad of ['', 'lots', '512MB', '-1Gi', '1 Gi', null, {}]) assert.equal(quantityBytes(bad), undefined, JSON.stringify(bad));
  });

  void it('caps the heap at half the memory limit, small pods with a small young generation', () => {
    assert.equal(workerNodeOptions(DEFAULT_RESOURCES), '--max-old-space-size=256 --max-semi-space-size=16');
    assert.equal(workerNodeOptions({ limits: { memory: '256Mi' } }), '--max-old-space-size=128 --max-semi-space-size=16');
    assert.equal(workerNodeOptions({ limits: { memory: '4Gi' } }), '--max-old-space-size=2048');
    assert.equal(workerNodeOptions({ limits: { memory: '64Mi' } }), '--max-old-space-size=64 --max-semi-space-size=16');
  });

  void it('leaves V8 alone without a memory limit', () => {
    assert.equal(workerNodeOptions({ requests: { memory: '1Gi' } }), undefined);
    assert.equal(workerNodeOptions({ limits: { cpu: '1' } }), undefined);
    assert.equal(workerNodeOptions(undefined), undefined);
    assert.equal(workerNodeOptions({ limits: { memory: 'lots' } }), undefined);
  });
});
