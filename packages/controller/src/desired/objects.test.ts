import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeWorkerConfig } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import { effectiveSpec, flowRef, kafkaToPostgresSpec, postgresToStdoutSpec } from '../testing/fixtures.js';
import type { ConfigMapObject } from './config-map.js';
import { APPLIED_HASH_ANNOTATION, appliedHashOf, withAppliedHash } from './hash.js';
import { desiredChildren } from './objects.js';
import type { RoleObject } from './rbac.js';

function children(spec: DataFlowSpec) {
  const effective = effectiveSpec(spec);
  const configText = serializeWorkerConfig({ version: 1, flow: { namespace: 'shop', name: 'orders', uid: 'uid-orders', generation: 1 }, spec: effective });
  return desiredChildren({ flow: flowRef(), spec: effective, configText, secretVersions: {}, defaultImage: 'w:1' });
}

void describe('desiredChildren', () => {
  void it('builds identity and permissions before config and workload', () => {
    assert.deepEqual(
      children(postgresToStdoutSpec()).objects.map((o) => `${o.kind}/${o.metadata.name}`),
      ['ServiceAccount/df-orders-worker', 'Role/df-orders-worker', 'RoleBinding/df-orders-worker', 'ConfigMap/df-orders-config', 'ConfigMap/df-orders-checkpoint', 'Deployment/df-orders'],
    );
  });

  void it('creates no checkpoint ConfigMap and no checkpoint permission for kafka sources', () => {
    const objects = children(kafkaToPostgresSpec()).objects;
    assert.ok(!objects.some((o) => o.metadata.name === 'df-orders-checkpoint'));
    const role = objects.find((o) => o.kind === 'Role') as RoleObject;
    assert.ok(!role.rules.some((r) => r.resources.includes('configmaps')));
  });

  void it('lets the worker touch only its own flow status and checkpoint', () => {
    const role = children(postgresToStdoutSpec()).objects.find((o) => o.kind === 'Role') as RoleObject;
    assert.deepEqual(role.rules, [
      { apiGroups: ['dataflow.dataflow.io'], resources: ['dataflows'], resourceNames: ['orders'], verbs: ['get'] },
      { apiGroups: ['dataflow.dataflow.io'], resources: ['dataflows/status'], resourceNames: ['orders'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['df-orders-checkpoint'], verbs: ['get', 'patch'] },
    ]);
  });

  void it('puts the worker config, and no secret value, in df-<name>-config', () => {
    const config = children(kafkaToPostgresSpec()).objects.find((o) => o.metadata.name === 'df-orders-config') as ConfigMapObject;
    const text = config.data?.['flow.json'] ?? '';
    assert.match(text, /"passwordSecretRef"/);
    assert.match(text, /"kafka-creds"/);
    // The checkpoint ConfigMap carries no data: the worker owns it.
    const checkpoint = children(postgresToStdoutSpec()).objects.find((o) => o.metadata.name === 'df-orders-checkpoint') as ConfigMapObject;
    assert.equal(checkpoint.data, undefined);
  });

  void it('stamps every child with the hash of its content', () => {
    for (const obj of children(kafkaToPostgresSpec()).objects) {
      assert.match(appliedHashOf(obj) ?? '', /^[0-9a-f]{16}$/, obj.kind);
      assert.equal(appliedHashOf(withAppliedHash(obj)), appliedHashOf(obj), 'restamping is stable');
      assert.ok(obj.metadata.ownerReferences?.[0]?.controller);
    }
    const a = children(postgresToStdoutSpec()).deployment;
    const b = children({ ...postgresToStdoutSpec(), suspend: true }).deployment;
    assert.notEqual(a.metadata.annotations?.[APPLIED_HASH_ANNOTATION], b.metadata.annotations?.[APPLIED_HASH_ANNOTATION]);
  });
});
