// The test node agent in container mode (issue 9 item 2): pods run from the real worker image with
// podman, and what the kubelet would enforce holds for real — the restricted securityContext (uid
// 10001, no capabilities, no-new-privileges, seccomp, read-only root with only the emptyDir
// writable), a memory limit, env from a Secret and a ConfigMap, Secret and ConfigMap volumes (with
// fsGroup), the ServiceAccount token at the in-cluster path with RBAC, probes from the host,
// SIGTERM from `podman stop` ending the program with exit 0 (read back into lastState), a crash
// loop, runAsNonRoot refused for root, and no container left after a pod is deleted.
// The program is a small script from a ConfigMap run by the image's node (command overrides the
// entrypoint), so the checks do not depend on what the worker does.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { createTestNamespace, deleteNamespace, requireCluster } from '../support/cluster.js';
import type { TestCluster } from '../support/cluster.js';
import { isNotFound } from '../support/kube.js';
import type { NodeAgent } from '../support/node-agent.js';
import { imageEntrypoint, podContainers, projectImages, requireImages, startPodmanAgent } from '../support/podman-agent.js';
import { waitFor } from '../support/wait.js';

const NODE = 'local-podman-agent';
const LABELS = { 'app.kubernetes.io/name': 'dataflow-worker' };
const MEMORY_LIMIT = 96 * 1024 * 1024;

/** Serves /readyz and /livez (failing after LIVE_FOR_MS) until SIGTERM; reports what it sees as one JSON line. */
const FACTS_SCRIPT = String.raw`
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import https from 'node:https';
const env = process.env;
// Listening and the handler first: PID 1 ignores a SIGTERM it does not handle.
const started = Date.now();
const liveFor = Number(env.LIVE_FOR_MS ?? Infinity);
const server = createServer((req, res) => {
  res.statusCode = req.url === '/livez' && Date.now() - started > liveFor ? 500 : 200;
  res.end();
}).listen(Number(env.DATAFLOW_HTTP_PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  console.log('SIGTERM received, exiting 0');
  server.close(() => process.exit(0));
});
const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code ?? String(e); } };
const status = Object.fromEntries(readFileSync('/proc/self/status', 'utf8').split('\n').map((l) => l.split(':\t')).filter((p) => p.length === 2));
const read = (path) => { try { return readFileSync(path, 'utf8').trim(); } catch { return undefined; } };
const token = readFileSync(sa + '/token', 'utf8');
const ca = readFileSync(sa + '/ca.crt');
const namespace = readFileSync(sa + '/namespace', 'utf8');
const get = (path) => new Promise((resolve, reject) => {
  https.get({ host: env.KUBERNETES_SERVICE_HOST, port: env.KUBERNETES_SERVICE_PORT, path, ca,
    headers: { Authorization: 'Bearer ' + token } }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
});
console.log(JSON.stringify({
  uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
  capEff: status.CapEff, noNewPrivs: status.NoNewPrivs, seccomp: status.Seccomp,
  writeRoot: attempt(() => writeFileSync('/written-by-test', 'x')),
  writeTmp: attempt(() => writeFileSync('/tmp/written-by-test', 'x')),
  secretFile: read('/etc/secret/password'),
  conf: read('/etc/app/app.conf'),
  memoryLimit: read('/sys/fs/cgroup/memory/memory.limit_in_bytes') ?? read('/sys/fs/cgroup/memory.max'),
  env: { PASSWORD: env.PASSWORD, GREETING: env.GREETING, HOSTNAME: env.HOSTNAME, PORT: env.DATAFLOW_HTTP_PORT },
  namespace,
  canReadConfigMap: await get('/api/v1/namespaces/' + namespace + '/configmaps/app-config'),
  canReadSecret: await get('/api/v1/namespaces/' + namespace + '/secrets/creds'),
}));
`;

interface Setup {
  cluster: TestCluster;
  agent: NodeAgent;
  namespace: string;
  image: string;
  node: string;
}

async function setup(t: TestContext): Promise<Setup | undefined> {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return undefined;
  const { worker } = await projectImages();
  if (!(await requireImages(t, [worker]))) return undefined;
  const podmanAgent = await startPodmanAgent(cluster, NODE, { backoff: { initialMs: 300, maxMs: 1000 }, maxGraceSeconds: 10 });
  const created: { namespace?: string } = {};
  // One hook, in this order: the agent must still run while the namespace deletion finishes.
  t.after(async () => {
    try {
      if (created.namespace !== undefined) await deleteNamespace(cluster, created.namespace, 60_000);
    } finally {
      await podmanAgent.stop();
    }
  });
  const namespace = await createTestNamespace(cluster, 'e2e-podman');
  created.namespace = namespace;
  const { core } = cluster;
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'app-config' }, data: { greeting: 'hello', 'app.conf': 'level=3\n' } } });
  await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'scripts' }, data: { 'facts.mjs': FACTS_SCRIPT } } });
  await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'creds' }, stringData: { password: 's3cret' } } });
  const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'read-config' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'read-config' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-config' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
    },
  });
  return { cluster, agent: podmanAgent.agent, namespace, image: worker, node: NODE };
}

/** A restricted pod (the operator's worker pod settings) running the facts script. */
async function factsPod(s: Setup, name: string, env: Array<{ name: string; value: string }> = [], over: Partial<V1PodSpec> = {}): Promise<V1Pod> {
  const [node = ''] = await imageEntrypoint(s.image);
  const container: V1Container = {
    name: 'app',
    image: s.image,
    imagePullPolicy: 'Never',
    command: [node, '/scripts/facts.mjs'],
    env: [
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'greeting' } } },
      ...env,
    ],
    ports: [{ name: 'http', containerPort: 9090 }],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
    livenessProbe: { httpGet: { path: '/livez', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 },
    resources: { limits: { memory: String(MEMORY_LIMIT) } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: 'scripts', mountPath: '/scripts', readOnly: true },
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'secret', mountPath: '/etc/secret', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
  return {
    metadata: { name, namespace: s.namespace, labels: LABELS },
    spec: {
      nodeName: s.node,
      terminationGracePeriodSeconds: 30,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [container],
      volumes: [
        { name: 'scripts', configMap: { name: 'scripts' } },
        { name: 'config', configMap: { name: 'app-config', items: [{ key: 'app.conf', path: 'app.conf' }] } },
        { name: 'secret', secret: { secretName: 'creds', defaultMode: 0o440 } },
        { name: 'tmp', emptyDir: {} },
      ],
      ...over,
    },
  };
}

const readPod = (s: Setup, name: string): Promise<V1Pod> => s.cluster.core.readNamespacedPod({ name, namespace: s.namespace });
const podLog = async (s: Setup, pod: V1Pod): Promise<string> => readFile(join(s.agent.podDir(pod), 'app.log'), 'utf8').catch(() => '');

async function waitGone(s: Setup, name: string, timeoutMs: number): Promise<void> {
  await waitFor(`pod ${name} to be gone`, async () => {
    try {
      await readPod(s, name);
      return false;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  }, { timeoutMs });
}

void describe('test node agent, container mode (podman)', { timeout: 240_000 }, () => {
  void test('a restricted pod runs from the image with its securityContext, env, volumes and token; SIGTERM ends it with exit 0', async (t) => {
    const s = await setup(t);
    if (s === undefined) return;
    await s.cluster.core.createNamespacedPod({ namespace: s.namespace, body: await factsPod(s, 'facts') });
    const ready = await waitFor('pod facts to be Ready (readiness probe from the host)', async () => {
      const p = await readPod(s, 'facts');
      return p.status?.containerStatuses?.[0]?.ready === true ? p : undefined;
    }, { timeoutMs: 60_000 });
    const status = ready.status?.containerStatuses?.[0];
    assert.match(status?.containerID ?? '', /^podman:\/\/k8s_app_facts_/);
    assert.deepEqual(await podContainers(ready.metadata?.uid ?? ''), [(status?.containerID ?? '').replace('podman://', '')]);

    const log = await podLog(s, ready);
    const line = log.split('\n').find((l) => l.startsWith('{'));
    assert.ok(line !== undefined, `no facts line in the log:\n${log}`);
    const facts = JSON.parse(line) as Record<string, unknown>;
    t.diagnostic(`facts: ${line}`);
    assert.equal(facts['uid'], 10001);
    assert.equal(facts['gid'], 10001);
    assert.ok((facts['groups'] as number[]).includes(10001));
    assert.equal(facts['capEff'], '0000000000000000', 'every capability dropped');
    assert.equal(facts['noNewPrivs'], '1');
    assert.equal(facts['seccomp'], '2', 'a seccomp filter is active');
    assert.equal(facts['writeRoot'], 'EROFS', 'the root file system is read-only');
    assert.equal(facts['writeTmp'], 'ok', 'the emptyDir on /tmp is writable');
    assert.equal(facts['secretFile'], 's3cret', 'the Secret volume (0440, fsGroup) is readable');
    assert.equal(facts['conf'], 'level=3');
    assert.equal(Number(facts['memoryLimit']), MEMORY_LIMIT, 'resources.limits.memory is the cgroup limit');
    const env = facts['env'] as Record<string, string>;
    assert.deepEqual({ ...env, PORT: undefined }, { PASSWORD: 's3cret', GREETING: 'hello', HOSTNAME: 'facts', PORT: undefined });
    assert.equal(facts['namespace'], s.namespace);
    assert.equal(facts['canReadConfigMap'], 200, 'the token at the in-cluster path authenticates as the pod ServiceAccount');
    assert.equal(facts['canReadSecret'], 403, 'and RBAC applies to it');
    assert.ok(!JSON.stringify(ready.spec).includes('s3cret'));

    const started = Date.now();
    await s.cluster.core.deleteNamespacedPod({ name: 'facts', namespace: s.namespace });
    await waitGone(s, 'facts', 20_000);
    const stopMs = Date.now() - started;
    t.diagnostic(`pod deleted → container stopped and pod gone in ${stopMs} ms`);
    assert.ok(stopMs < 9_000, `SIGTERM ended the program well before the capped grace period (${stopMs} ms)`);
    assert.match(await podLog(s, ready), /SIGTERM received, exiting 0/);
    assert.deepEqual(await podContainers(ready.metadata?.uid ?? ''), [], 'no container left');
  });

  void test('a liveness failure restarts the container through SIGTERM (exit 0 read back); a crash loops with its exit code', async (t) => {
    const s = await setup(t);
    if (s === undefined) return;
    await s.cluster.core.createNamespacedPod({ namespace: s.namespace, body: await factsPod(s, 'flaky', [{ name: 'LIVE_FOR_MS', value: '2000' }]) });
    const [node = ''] = await imageEntrypoint(s.image);
    await s.cluster.core.createNamespacedPod({
      namespace: s.namespace,
      body: {
        metadata: { name: 'crash', namespace: s.namespace, labels: LABELS },
        spec: {
          nodeName: s.node,
          containers: [{ name: 'app', image: s.image, command: [node, '-e', 'console.log("boom"); process.exit(3)'], securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true } }],
        },
      },
    });
    const restarted = await waitFor('flaky restarted after its liveness probe failed', async () => {
      const cs = (await readPod(s, 'flaky')).status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 1 && cs?.lastState?.terminated !== undefined ? cs : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(restarted.lastState?.terminated?.exitCode, 0, 'podman stop delivered SIGTERM and the exit code came back');
    assert.equal(restarted.lastState?.terminated?.reason, 'Completed');
    assert.match(await podLog(s, await readPod(s, 'flaky')), /SIGTERM received, exiting 0/);

    const crashed = await waitFor('crash in CrashLoopBackOff', async () => {
      const cs = (await readPod(s, 'crash')).status?.containerStatuses?.[0];
      return (cs?.restartCount ?? 0) >= 2 && cs?.state?.waiting?.reason === 'CrashLoopBackOff' ? cs : undefined;
    }, { timeoutMs: 60_000 });
    assert.equal(crashed.lastState?.terminated?.exitCode, 3);
    assert.match(await podLog(s, await readPod(s, 'crash')), /boom\n(.|\n)*boom\n/);
  });

  void test('runAsNonRoot with runAsUser 0 is refused as CreateContainerConfigError', async (t) => {
    const s = await setup(t);
    if (s === undefined) return;
    const body = await factsPod(s, 'rooted');
    const container = body.spec?.containers[0];
    assert.ok(container?.securityContext !== undefined);
    container.securityContext.runAsUser = 0;
    await s.cluster.core.createNamespacedPod({ namespace: s.namespace, body });
    const waiting = await waitFor('CreateContainerConfigError', async () => {
      const cs = (await readPod(s, 'rooted')).status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CreateContainerConfigError' ? cs.state.waiting : undefined;
    });
    assert.match(waiting.message ?? '', /runAsNonRoot is set and the container would run as root/);
    assert.deepEqual(await podContainers((await readPod(s, 'rooted')).metadata?.uid ?? ''), []);
  });
});
