import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerLabels } from '@dataflow/api';
import { kafkaToPostgresSpec } from './testing/fixtures.js';
import { SecretIndex, ownerFlowKey, referencedSecretNames } from './watches.js';

void describe('watch mapping', () => {
  void it('maps a Secret to exactly the flows that reference it', () => {
    const index = new SecretIndex();
    index.setFlow('shop', 'orders', referencedSecretNames(kafkaToPostgresSpec()));
    index.setFlow('shop', 'refunds', ['pg-creds']);
    index.setFlow('other', 'orders', ['pg-creds']);
    assert.deepEqual(index.flowsUsing('shop', 'pg-creds'), ['shop/orders', 'shop/refunds']);
    assert.deepEqual(index.flowsUsing('shop', 'kafka-creds'), ['shop/orders']);
    assert.deepEqual(index.flowsUsing('shop', 'unrelated'), []);
    index.setFlow('shop', 'orders', ['kafka-creds']);
    assert.deepEqual(index.flowsUsing('shop', 'pg-creds'), ['shop/refunds'], 'an edit drops the old reference');
    index.removeFlow('shop', 'refunds');
    assert.deepEqual(index.flowsUsing('shop', 'pg-creds'), []);
  });

  void it('finds Secret references in the legacy nested shape too', () => {
    const legacy = { source: { type: 'kafka', kafka: { brokers: ['k:9092'], topic: 't', sasl: { passwordSecretRef: { name: 'legacy-creds', key: 'p' } } } } };
    assert.deepEqual(referencedSecretNames(legacy), ['legacy-creds']);
  });

  void it('maps a child to its owner flow, a pod through its flow label', () => {
    const owned = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'df-orders', namespace: 'shop', ownerReferences: [{ apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', name: 'orders', uid: 'u', controller: true }] },
    };
    assert.equal(ownerFlowKey(owned), 'shop/orders');
    assert.equal(ownerFlowKey({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'df-orders-x', namespace: 'shop', labels: workerLabels('orders') } }), 'shop/orders');
    assert.equal(ownerFlowKey({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'shop' } }), undefined);
  });
});
