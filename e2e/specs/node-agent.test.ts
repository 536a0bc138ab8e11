// The test node agent against the real control plane: what a pod sees (env, volumes, ServiceAccount
// token with RBAC) in both path modes, CrashLoopBackOff, configuration errors that heal, and the
// SIGKILL at the end of the grace period. Each case uses its own agent and Node (pods name the
// node in spec.nodeName), so the shared agent that serves `local-proc` never touches them.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { TestCluster } from '../support/cluster.js';
import { createTestNamespace, deleteNamespace, requireCluster } from '../support/cluster.js';
import { isNotFound } from '../support/kube.js';
import { namespaceMountsAvailable } from '../support/mount-namespace.js';
import { NodeAgent } from '../support/node-agent.js';
import type { NodeAgentOptions } from '../support/node-agent.js';
import { waitFor } from '../support/wait.js';

const WORKER_LABELS = { 'app.kubernetes.io/name': 'dataflow-worker' };

/** Prints what the pod sees as one JSON line; honours the agent's env overrides when set. */
const CHECK_SCRIPT = String.raw`
import { readFileSync } from 'node:fs';
import https from 'node:https';
const env = process.env;
const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
const token = readFileSync(env.DATAFLOW_SA_TOKEN_FILE ?? sa + '/token', 'utf8');
const ca = readFileSync(env.DATAFLOW_SA_CA_FILE ?? sa + '/ca.crt');
const namespace = readFileSync(env.DATAFLOW_SA_NAMESPACE_FILE ?? sa + '/namespace', 'utf8');
const get = (path) => new Promise((resolve, reject) => {
  https.get({ host: env.KUBERNETES_SERVICE_HOST, port: env.KUBERNETES_SERVICE_PORT, path, ca,
    headers: { Authorization: 'Bearer ' + token } }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
});
const keys = ['GREETING', 'PASSWORD', 'MESSAGE', 'POD_NAME', 'POD_NAMESPACE', 'APP', 'NODE', 'POD_IP', 'CFG_greeting',
  'HOSTNAME', 'DATAFLOW_HTTP_PORT', 'DATAFLOW_PATH_MAP', 'DATAFLOW_SA_TOKEN_FILE', 'OPTIONAL'];
console.log(JSON.stringify({
  env: Object.fromEntries(keys.filter((k) => k in env).map((k) => [k, env[k]])),
  conf: readFileSync(process.argv[2], 'utf8'),
  labels: readFileSync(process.argv[3], 'utf8'),
  namespace,
  canReadConfigMap: await get('/api/v1/namespaces/' + namespace + '/configmaps/app-config'),
  canReadSecret: await get('/api/v1/namespaces/' + namespace + '/secrets/creds'),
}));
`;

interface Setup {
  cluster: TestCluster;
  agent: NodeAgent;
  namespace: string;
  nodeName: string;
}

/** A dedicated agent (own run dir and node) and namespace; both are cleaned up after the test. */
async function setup(t: TestContext, nodeName: string, options: Partial<NodeAgentOptions> = {}): Promise<Setup | undefined> {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return undefined;
  const runDir = await mkdtemp(join(tmpdir(), 'dataflow-agent-'));
  const agent = await NodeAgent.start({ kubeconfig: cluster.kc, runDir, nodeName, ...options });
  const created: { namespace?: string } = {};
  // One hook, in this order: the agent must still run while the namespace deletion finishes.
  t.after(async () => {
    try {
      if (created.namespace !== undefined) await deleteNamespace(cluster, created.namespace);
    } finally {
      await agent.stop();
      await cluster.core.deleteNode({ name: nodeName }).catch(() => undefined);
      await rm(runDir, { recursive: true, force: true });
    }
  });
  const namespace = await createTestNamespace(cluster, 'e2e-agent');
  created.namespace = namespace;
  return { cluster, agent, namespace, nodeName };
}

function pod(s: Setup, name: string, container: V1Container, extra: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return {
    metadata: { name, namespace: s.namespace, labels: WORKER_LABELS },
    spec: { nodeName: s.nodeName, containers: [container], ...extra },
  };
}

async function readPod(s: Setup, name: string): Promise<V1Pod> {
  return s.cluster.core.readNamespacedPod({ name, namespace: s.namespace });
}

async function waitPodGone(s: Setup, name: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `pod ${name} to be gone`,
    async () => {
      try {
        await readPod(s, name);
        return false;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    },
    { timeoutMs },
  );
}

async function podEnvironmentCase(t: TestContext, pathMode: 'namespace' | 'env'): Promise<void> {
  const s = await setup(t, `local-proc-${pathMode}`, { pathMode });
  if (s === undefined) return;
  const { core } = s.cluster;
  const namespace = s.namespace;
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'app-config' }, data: { greeting: 'hello', 'app.conf': 'level=3\n' } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'scripts' }, data: { 'check.mjs': CHECK_SCRIPT } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'creds' }, stringData: { password: 's3cret' } } });
  // The default ServiceAccount may read ConfigMaps, not Secrets.
  const rbac = s.cluster.kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'read-config' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'read-config' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-config' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
    },
  });

  const container: V1Container = {
    name: 'check',
    image: 'example.invalid/check:1',
    command: [process.execPath, '/scripts/check.mjs'],
    args: ['/etc/app/app.conf', '/etc/podinfo/labels'],
    envFrom: [{ configMapRef: { name: 'app-config' }, prefix: 'CFG_' }],
    env: [
      { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'greeting' } } },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'OPTIONAL', valueFrom: { secretKeyRef: { name: 'absent', key: 'x', optional: true } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'MESSAGE', value: '$(GREETING), $(POD_NAME)' },
    ],
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'scripts', mountPath: '/scripts', readOnly: true },
      { name: 'podinfo', mountPath: '/etc/podinfo' },
    ],
  };
  await core.createNamespacedPod({
    namespace,
    body: pod(s, 'check', container, {
      restartPolicy: 'Never',
      volumes: [
        { name: 'config', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'app.conf' }] } },
        { name: 'scripts', configMap: { name: 'scripts' } },
        { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
    }),
  });
  const done = await waitFor('pod check to finish', async () => {
    const p = await readPod(s, 'check');
    return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
  });
  const log = await readFile(join(s.agent.podDir(done), 'check.log'), 'utf8');
  assert.equal(done.status?.phase, 'Succeeded', `the check script failed:\n${log}`);
  const seen = JSON.parse(log.trim().split('\n').at(-1) ?? '{}') as {
    env: Record<string, string>;
    conf: string;
    labels: string;
    namespace: string;
    canReadConfigMap: number;
    canReadSecret: number;
  };
  assert.deepEqual(
    { ...seen.env, DATAFLOW_HTTP_PORT: undefined, DATAFLOW_PATH_MAP: undefined, DATAFLOW_SA_TOKEN_FILE: undefined },
    {
      GREETING: 'hello',
      PASSWORD: 's3cret',
      MESSAGE: 'hello, check',
      POD_NAME: 'check',
      POD_NAMESPACE: namespace,
      APP: 'dataflow-worker',
      NODE: s.nodeName,
      POD_IP: '127.0.0.1',
      CFG_greeting: 'hello',
      HOSTNAME: 'check',
      DATAFLOW_HTTP_PORT: undefined,
      DATAFLOW_PATH_MAP: undefined,
      DATAFLOW_SA_TOKEN_FILE: undefined,
    },
  );
  assert.match(seen.env['DATAFLOW_HTTP_PORT'] ?? '', /^\d+$/);
  assert.equal(seen.conf, 'level=3\n');
  assert.equal(seen.labels, 'app.kubernetes.io/name="dataflow-worker"');
  assert.equal(seen.namespace, namespace);
  assert.equal(seen.canReadConfigMap, 200, 'the TokenRequest token authenticates as the pod ServiceAccount');
  assert.equal(seen.canReadSecret, 403, 'and RBAC applies to it');
  if (pathMode === 'env') {
    assert.ok(seen.env['DATAFLOW_SA_TOKEN_FILE']?.startsWith(s.agent.runDir));
    const map = JSON.parse(seen.env['DATAFLOW_PATH_MAP'] ?? '{}') as Record<string, string>;
    assert.deepEqual(Object.keys(map).sort(), ['/etc/app', '/etc/podinfo', '/scripts', '/var/run/secrets/kubernetes.io/serviceaccount']);
  } else {
    assert.equal(seen.env['DATAFLOW_SA_TOKEN_FILE'], undefined, 'real in-cluster paths, no overrides');
    assert.equal(seen.env['DATAFLOW_PATH_MAP'], undefined);
  }
}

void describe('test node agent', { timeout: 120_000 }, () => {
  void test('a pod sees env, volumes and a ServiceAccount token at real paths (mount namespace)', async (t) => {
    if (!namespaceMountsAvailable()) {
      // CI runs as root, where mount namespaces work: there this case must run, not skip.
      assert.notEqual(process.env['CI'], 'true', 'CI=true but unshare --mount is not available (needs root)');
      t.skip('needs root and unshare --mount (CI runs as root)');
      return;
    }
    await podEnvironmentCase(t, 'namespace');
  });

  void test('a pod sees env, volumes and a ServiceAccount token through env overrides (no mount namespace)', async (t) => {
    await podEnvironmentCase(t, 'env');
  });

  void test('a crashing container goes into CrashLoopBackOff with growing restartCount', async (t) => {
    const s = await setup(t, 'local-proc-crash', { pathMode: 'env', backoff: { initialMs: 200, maxMs: 800 } });
    if (s === undefined) return;
    const container: V1Container = { name: 'crash', image: 'example.invalid/crash:1', command: [process.execPath, '-e', 'console.log("boom"); process.exit(3)'] };
    await s.cluster.core.createNamespacedPod({ namespace: s.namespace, body: pod(s, 'crash', container) });
    const status = await waitFor('restartCount >= 2 in CrashLoopBackOff', async () => {
      const cs = (await readPod(s, 'crash')).status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 2 && cs?.state?.waiting?.reason === 'CrashLoopBackOff' ? cs : undefined;
    });
    assert.equal(status.lastState?.terminated?.exitCode, 3);
    assert.equal(status.ready, false);
    const p = await readPod(s, 'crash');
    assert.equal(p.status?.phase, 'Running');
    assert.ok((p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'False'));
    assert.match(await readFile(join(s.agent.podDir(p), 'crash.log'), 'utf8'), /boom\nboom\n/);
  });

  void test('a missing ConfigMap shows CreateContainerConfigError until it is created', async (t) => {
    const s = await setup(t, 'local-proc-config', { pathMode: 'env' });
    if (s === undefined) return;
    const container: V1Container = {
      name: 'app',
      image: 'example.invalid/app:1',
      command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'],
      env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'late', key: 'level' } } }],
    };
    await s.cluster.core.createNamespacedPod({ namespace: s.namespace, body: pod(s, 'app', container) });
    const waiting = await waitFor('CreateContainerConfigError', async () => {
      const cs = (await readPod(s, 'app')).status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CreateContainerConfigError' ? cs.state.waiting : undefined;
    });
    assert.match(waiting.message ?? '', /configmap "late" not found/);
    assert.equal((await readPod(s, 'app')).status?.phase, 'Pending');
    await s.cluster.core.createNamespacedConfigMap({ namespace: s.namespace, body: { metadata: { name: 'late' }, data: { level: '1' } } });
    await waitFor('the container to run and be Ready (no probe: Ready once started)', async () => {
      const p = await readPod(s, 'app');
      return p.status?.containerStatuses?.[0]?.state?.running !== undefined && p.status.containerStatuses[0].ready;
    });
  });

  void test('a process that ignores SIGTERM is killed after the capped grace period and the pod deleted', async (t) => {
    const s = await setup(t, 'local-proc-grace', { pathMode: 'env', maxGraceSeconds: 1 });
    if (s === undefined) return;
    const container: V1Container = {
      name: 'stubborn',
      image: 'example.invalid/stubborn:1',
      command: [process.execPath, '-e', 'process.on("SIGTERM", () => console.log("ignoring SIGTERM")); setInterval(() => {}, 1000)'],
    };
    await s.cluster.core.createNamespacedPod({ namespace: s.namespace, body: pod(s, 'stubborn', container, { terminationGracePeriodSeconds: 30 }) });
    const running = await waitFor('the stubborn container to run', async () => {
      const p = await readPod(s, 'stubborn');
      return p.status?.containerStatuses?.[0]?.state?.running !== undefined ? p : undefined;
    });
    const pid = Number((running.status?.containerStatuses?.[0]?.containerID ?? '').replace('process://', ''));
    assert.ok(pid > 0);
    const started = Date.now();
    await s.cluster.core.deleteNamespacedPod({ name: 'stubborn', namespace: s.namespace });
    await waitPodGone(s, 'stubborn', 15_000);
    assert.ok(Date.now() - started < 10_000, 'deleted long before the 30 s grace period');
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the process is gone');
    assert.match(await readFile(join(s.agent.podDir(running), 'stubborn.log'), 'utf8'), /ignoring SIGTERM/);
  });
});
