import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { expandReferences, resolveContainerEnv } from './pod-env.js';
import { PodConfigError } from './pod-fields.js';
import type { ReferencedObjects } from './referenced-objects.js';

const lookup = (vars: Record<string, string>) => (name: string) => vars[name];
const b64 = (text: string): string => Buffer.from(text).toString('base64');

function objects(configMaps: Record<string, V1ConfigMap>, secrets: Record<string, V1Secret>): ReferencedObjects {
  return {
    configMap: (name) => Promise.resolve(configMaps[name]),
    secret: (name) => Promise.resolve(secrets[name]),
  };
}

const pod: V1Pod = {
  metadata: { name: 'w-1', namespace: 'ns1', uid: 'u-1', labels: { 'app.kubernetes.io/name': 'dataflow-worker' }, annotations: { a: 'b' } },
  spec: { containers: [], serviceAccountName: 'runner' },
};
const addresses = { podIP: '127.0.0.1', hostIP: '127.0.0.1', nodeName: 'local-proc' };

void describe('expandReferences', () => {
  void it('replaces defined names, keeps undefined ones and honours $$ escapes', () => {
    const vars = { A: 'x', B: 'y' };
    assert.equal(expandReferences('$(A)-$(B)', lookup(vars)), 'x-y');
    assert.equal(expandReferences('$(C)', lookup(vars)), '$(C)');
    assert.equal(expandReferences('$$(A)', lookup(vars)), '$(A)');
    assert.equal(expandReferences('cost: $5 $', lookup(vars)), 'cost: $5 $');
    assert.equal(expandReferences('$(A', lookup(vars)), '$(A');
  });
});

void describe('resolveContainerEnv', () => {
  const refs = objects(
    { cfg: { data: { greeting: 'hello', 'bad=key': 'x', level: 'debug' } } },
    { creds: { data: { password: b64('s3cret') } } },
  );

  void it('applies envFrom, then env in order, with fieldRefs and $(VAR) expansion over earlier values', async () => {
    const container: V1Container = {
      name: 'worker',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
      env: [
        { name: 'CFG_LEVEL', value: 'info' },
        { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
        { name: 'MESSAGE', value: '$(GREETING) from $(POD) on $(KUBERNETES_SERVICE_HOST) $$(GREETING)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
        { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'absent', key: 'k', optional: true } } },
      ],
    };
    const env = await resolveContainerEnv(pod, container, refs, addresses, { KUBERNETES_SERVICE_HOST: '127.0.0.1' });
    assert.equal(env['CFG_greeting'], 'hello');
    assert.equal(env['CFG_LEVEL'], 'info', 'env overrides envFrom');
    assert.equal(env['CFG_bad=key'], undefined, 'keys with = are skipped');
    assert.equal(env['password'], 's3cret');
    // POD is defined after MESSAGE, so it stays unexpanded (kubelet order).
    assert.equal(env['MESSAGE'], 'hello from $(POD) on 127.0.0.1 $(GREETING)');
    assert.equal(env['POD'], 'w-1');
    assert.equal(env['LABEL'], 'dataflow-worker');
    assert.equal(env['NODE'], 'local-proc');
    assert.equal(env['IP'], '127.0.0.1');
    assert.equal(env['SA'], 'runner');
    assert.equal('OPTIONAL' in env, false);
    assert.equal(env['KUBERNETES_SERVICE_HOST'], '127.0.0.1');
  });

  void it('names the missing ConfigMap, Secret or key', async () => {
    const env = (e: V1Container['env'], envFrom?: V1Container['envFrom']): Promise<Record<string, string>> =>
      resolveContainerEnv(pod, { name: 'c', env: e ?? [], ...(envFrom === undefined ? {} : { envFrom }) }, refs, addresses);
    await assert.rejects(env([], [{ configMapRef: { name: 'nope' } }]), (e: unknown) => e instanceof PodConfigError && /configmap "nope" not found/.test(e.message));
    await assert.rejects(env([{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }]), /key "user" not found in secret "creds"/);
    await assert.rejects(env([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }]), /configmap "gone" not found/);
    await assert.rejects(env([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } }]), /only supported in downwardAPI volumes/);
    assert.deepEqual(await env([], [{ secretRef: { name: 'nope', optional: true } }]), {});
  });
});
