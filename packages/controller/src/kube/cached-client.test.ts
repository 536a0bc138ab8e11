import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeKubeClient } from '../testing/fake-client.js';
import { CachedKubeClient } from './cached-client.js';
import type { ObjectStore } from './cached-client.js';
import type { KubeObject } from './objects.js';

function store(objects: KubeObject[]): ObjectStore {
  return {
    get: (name, namespace) => objects.find((o) => o.metadata.name === name && o.metadata.namespace === namespace),
    list: (namespace) => objects.filter((o) => namespace === undefined || o.metadata.namespace === namespace),
  };
}

void describe('CachedKubeClient', () => {
  void it('reads cached kinds from the cache (copies), other kinds and all writes from the API', async () => {
    const api = new FakeKubeClient();
    api.seed({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'ns' } });
    const cachedPod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'w' } } };
    const client = new CachedKubeClient(api, [{ apiVersion: 'v1', kind: 'Pod', store: store([cachedPod, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', namespace: 'ns' } }]) }]);
    const got = await client.get<KubeObject>({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'p' });
    assert.deepEqual(got, cachedPod);
    got.metadata.name = 'changed';
    assert.equal(cachedPod.metadata.name, 'p', 'the cache is not changed through a result');
    assert.deepEqual((await client.list({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', labelSelector: 'app=w' })).map((p) => p.metadata.name), ['p']);
    assert.ok(await client.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }));
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } });
    assert.ok(api.peek({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'cm' }));
  });
});
