import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANNOTATIONS, serializeWorkerConfig } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';
import { effectiveSpec, flowRef, kafkaToPostgresSpec, postgresToStdoutSpec } from '../testing/fixtures.js';
import { SECRETS_DIR, buildWorkerDeployment, imageRepository, referencedSecretKeys, workerImageFor } from './deployment.js';
import type { WorkerDeploymentInput } from './deployment.js';

const DEFAULT_IMAGE = 'ghcr.io/dataflow-operator/dataflow-worker:0.1.0';

function input(spec: DataFlowSpec, secretVersions: Record<string, string> = { 'kafka-creds': '11', 'pg-creds': '12' }, generation = 1): WorkerDeploymentInput {
  const effective = effectiveSpec(spec);
  const configText = serializeWorkerConfig({ version: 1, flow: { namespace: 'shop', name: 'orders', uid: 'uid-orders', generation }, spec: effective });
  return { flow: flowRef(), spec: effective, configText, secretVersions, defaultImage: DEFAULT_IMAGE };
}

function podOf(spec: DataFlowSpec) {
  const { object } = buildWorkerDeployment(input(spec));
  const pod = object.spec.template.spec;
  assert.ok(pod);
  const container = pod.containers[0];
  assert.ok(container);
  return { object, pod, container };
}

void describe('buildWorkerDeployment', () => {
  void it('runs the worker as a restricted, non-root, read-only pod', () => {
    const { pod, container } = podOf(kafkaToPostgresSpec());
    assert.equal(container.name, 'worker');
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    // A writable /tmp is the only writable path.
    assert.ok(pod.volumes?.some((v) => v.name === 'tmp' && v.emptyDir !== undefined));
    assert.ok(container.volumeMounts?.some((m) => m.mountPath === '/tmp'));
    assert.equal(pod.serviceAccountName, 'df-orders-worker');
    assert.equal(pod.automountServiceAccountToken, true);
  });

  void it('probes /livez and /readyz on the named port 9090', () => {
    const { container } = podOf(kafkaToPostgresSpec());
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    assert.equal(container.livenessProbe?.httpGet?.path, '/livez');
    assert.equal(container.livenessProbe?.httpGet?.port, 'http');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.readinessProbe?.httpGet?.port, 'http');
  });

  void it('passes the config path, the secrets dir and the pod identity', () => {
    const { container, pod } = podOf(kafkaToPostgresSpec());
    assert.deepEqual(container.args?.slice(0, 4), ['--config', '/etc/dataflow/flow.json', '--secrets-dir', SECRETS_DIR]);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    // Default resources: a 512Mi limit, so V8's heap is capped to fit inside it.
    assert.deepEqual(env, {
      POD_NAME: 'metadata.name',
      POD_NAMESPACE: 'metadata.namespace',
      DATAFLOW_FLOW_NAME: 'orders',
      NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=16',
    });
    const config = pod.volumes?.find((v) => v.name === 'config');
    assert.equal(config?.configMap?.name, 'df-orders-config');
    assert.ok(container.volumeMounts?.some((m) => m.name === 'config' && m.mountPath === '/etc/dataflow' && m.readOnly === true));
  });

  void it('mounts only the referenced keys of each referenced Secret, read-only, at <dir>/<secret>/<key>', () => {
    const { pod, container } = podOf(kafkaToPostgresSpec());
    const secretVolumes = (pod.volumes ?? []).filter((v) => v.secret !== undefined);
    assert.deepEqual(
      secretVolumes.map((v) => ({ secret: v.secret?.secretName, items: v.secret?.items })),
      [
        { secret: 'kafka-creds', items: [{ key: 'password', path: 'password' }, { key: 'username', path: 'username' }] },
        { secret: 'pg-creds', items: [{ key: 'url', path: 'url' }] },
      ],
    );
    for (const volume of secretVolumes) {
      const mount = container.volumeMounts?.find((m) => m.name === volume.name);
      assert.equal(mount?.mountPath, `${SECRETS_DIR}/${volume.secret?.secretName}`);
      assert.equal(mount?.readOnly, true);
    }
  });

  void it('uses Recreate for polling sources and a one-at-a-time rolling update for kafka', () => {
    assert.deepEqual(podOf(postgresToStdoutSpec()).object.spec.strategy, { type: 'Recreate' });
    assert.deepEqual(podOf(kafkaToPostgresSpec()).object.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  });

  void it('takes replicas from the spec and scales to zero when suspended', () => {
    assert.equal(podOf({ ...kafkaToPostgresSpec(), replicas: 3 }).object.spec.replicas, 3);
    assert.equal(podOf({ ...kafkaToPostgresSpec(), replicas: 3, suspend: true }).object.spec.replicas, 0);
    assert.equal(podOf(postgresToStdoutSpec()).object.spec.replicas, 1);
  });

  void it('sizes the V8 heap from the memory limit, and leaves it alone without one', () => {
    const nodeOptions = (resources: Record<string, unknown>) => podOf({ ...kafkaToPostgresSpec(), resources }).container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
    assert.equal(nodeOptions({ limits: { memory: '2Gi' } }), '--max-old-space-size=1024');
    assert.equal(nodeOptions({ limits: { memory: '300Mi' } }), '--max-old-space-size=150 --max-semi-space-size=16');
    assert.equal(nodeOptions({ requests: { memory: '1Gi' } }), undefined);
  });

  void it('applies default resources and copies scheduling fields', () => {
    const { container, pod } = podOf({
      ...postgresToStdoutSpec(),
      nodeSelector: { pool: 'streaming' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      imagePullSecrets: [{ name: 'registry' }],
      terminationGracePeriodSeconds: 120,
    });
    assert.deepEqual(container.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    assert.deepEqual(pod.nodeSelector, { pool: 'streaming' });
    assert.deepEqual(pod.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'registry' }]);
    assert.equal(pod.terminationGracePeriodSeconds, 120);
  });

  void it('labels pods with the flow labels and selects on the immutable subset', () => {
    const { object } = podOf(postgresToStdoutSpec());
    assert.deepEqual(object.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'dataflow-worker', 'dataflow.dataflow.io/name': 'orders' });
    assert.equal(object.spec.template.metadata?.labels?.['app.kubernetes.io/instance'], 'orders');
    assert.deepEqual(object.metadata.ownerReferences, [
      { apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', name: 'orders', uid: 'uid-orders', controller: true, blockOwnerDeletion: true },
    ]);
  });

  void it('gives identical input an identical object and hash', () => {
    const a = buildWorkerDeployment(input(kafkaToPostgresSpec()));
    const b = buildWorkerDeployment(input(kafkaToPostgresSpec()));
    assert.deepEqual(a, b);
    assert.match(a.configHash, /^[0-9a-f]{16}$/);
    assert.equal(a.object.spec.template.metadata?.annotations?.[ANNOTATIONS.configHash], a.configHash);
  });

  void it('changes the pod-template hash on a spec edit and on a Secret rotation', () => {
    const base = buildWorkerDeployment(input(kafkaToPostgresSpec())).configHash;
    const edited = kafkaToPostgresSpec();
    (edited.sink.config as { table: string }).table = 'orders_v2';
    assert.notEqual(buildWorkerDeployment(input(edited)).configHash, base);
    assert.notEqual(buildWorkerDeployment(input(kafkaToPostgresSpec(), { 'kafka-creds': '11', 'pg-creds': '99' })).configHash, base);
  });

  void it('keeps the pod-template hash when only replicas, suspend or the generation change', () => {
    const base = buildWorkerDeployment(input(kafkaToPostgresSpec())).configHash;
    const scaled = buildWorkerDeployment(input({ ...kafkaToPostgresSpec(), replicas: 3 }, undefined, 2));
    assert.equal(scaled.configHash, base, 'kubectl scale must not restart running workers');
    assert.equal(scaled.object.spec.replicas, 3);
    const suspended = buildWorkerDeployment(input({ ...kafkaToPostgresSpec(), suspend: true }, undefined, 3));
    assert.equal(suspended.configHash, base);
    assert.equal(suspended.object.spec.replicas, 0);
  });
});

void describe('worker image', () => {
  void it('prefers workerImage, then the default repository with workerVersion, then the default', () => {
    assert.equal(workerImageFor({ ...postgresToStdoutSpec(), workerImage: 'registry.local/w:1' }, DEFAULT_IMAGE), 'registry.local/w:1');
    assert.equal(workerImageFor({ ...postgresToStdoutSpec(), workerVersion: '0.2.0' }, DEFAULT_IMAGE), 'ghcr.io/dataflow-operator/dataflow-worker:0.2.0');
    assert.equal(workerImageFor(postgresToStdoutSpec(), DEFAULT_IMAGE), DEFAULT_IMAGE);
  });

  void it('strips tags and digests but keeps a registry port', () => {
    assert.equal(imageRepository('localhost:5000/worker:1.2'), 'localhost:5000/worker');
    assert.equal(imageRepository('localhost:5000/worker'), 'localhost:5000/worker');
    assert.equal(imageRepository('ghcr.io/x/w@sha256:abc'), 'ghcr.io/x/w');
  });

  void it('lists referenced Secrets once each, sorted, with sorted keys', () => {
    assert.deepEqual(referencedSecretKeys(effectiveSpec(kafkaToPostgresSpec())), [
      { name: 'kafka-creds', keys: ['password', 'username'] },
      { name: 'pg-creds', keys: ['url'] },
    ]);
    assert.deepEqual(referencedSecretKeys(effectiveSpec(postgresToStdoutSpec())), []);
  });
});
