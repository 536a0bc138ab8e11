// The Helm chart charts/dataflow-operator against the test API server (issue 9 item 3): `helm lint`,
// `helm template` over three value sets each accepted by a server-side dry run, then a real install
// into a fresh namespace, an upgrade that rolls the operator Deployment and an uninstall that leaves
// no objects of the release behind but keeps the CRD. The operator pod itself cannot run here yet
// (no operator image; the node agent runs only dataflow-worker pods), so the checks are on API objects.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { workerLabels } from '@dataflow/api';
import { adminKubeconfigPath, createTestNamespace, deleteNamespace, requireCluster } from '../support/cluster.js';
import type { TestCluster } from '../support/cluster.js';
import { isNotFound } from '../support/kube.js';
import { kubectl } from '../support/kubectl.js';
import type { KubectlResult } from '../support/kubectl.js';
import { CHART_DIR as CHART, helm } from '../support/helm.js';
import { repoRoot } from '../support/node-agent.js';
import { waitFor } from '../support/wait.js';

const CRD_NAME = 'dataflows.dataflow.dataflow.io';
const FIELD_MANAGER = 'e2e-chart';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

function ok(result: KubectlResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function parseManifests(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
}

function find(objects: readonly Obj[], kind: string, name?: string): Obj[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

function one(objects: readonly Obj[], kind: string, name?: string): Obj {
  const found = find(objects, kind, name);
  assert.equal(found.length, 1, `expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`);
  return found[0] as Obj;
}

interface Container {
  args: string[];
  env: Array<{ name: string; value?: string }>;
  image: string;
  ports: unknown;
  livenessProbe: unknown;
  readinessProbe: unknown;
  securityContext: unknown;
}
interface PodSpec {
  containers: Container[];
  securityContext: unknown;
}

function podSpec(deployment: Obj): PodSpec {
  return (deployment['spec'] as { template: { spec: PodSpec } }).template.spec;
}

function container(deployment: Obj): Container {
  const first = podSpec(deployment).containers[0];
  assert.ok(first !== undefined, `Deployment ${deployment.metadata.name} has no container`);
  return first;
}

async function readYamlFile(path: string): Promise<Obj[]> {
  return parseManifests(await readFile(path, 'utf8'));
}

/** Value sets the tests render; each is written to a values file (as a user would). */
const VALUE_SETS = {
  defaults: {},
  monitoring: {
    replicaCount: 2,
    metrics: {
      serviceMonitor: { enabled: true, additionalLabels: { release: 'prom' } },
      podMonitor: { enabled: true },
      prometheusRule: { enabled: true }, dashboard: { enabled: true } },
  },
  scoped: { crds: { enabled: false } }, // + watchNamespaces, filled in with real namespaces
} as const;

async function valuesFile(dir: string, name: string, values: unknown): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, stringify(values));
  return path;
}

/** Keys of values.yaml not directly preceded by a `##` comment at their own indentation. */
function undocumentedValues(text: string): string[] {
  const lines = text.split('\n');
  return lines.flatMap((line, i) => {
    const key = /^(\s*)([A-Za-z_]\w*):/.exec(line);
    if (key === null) return [];
    const previous = lines[i - 1] ?? '';
    return previous.startsWith(`${key[1] ?? ''}##`) ? [] : [`line ${i + 1}: ${line.trim()}`];
  });
}

void test('helm lint passes for every value set and the schema rejects bad values', { timeout: 120_000 }, async () => {
  assert.deepEqual(undocumentedValues(await readFile(join(CHART, 'values.yaml'), 'utf8')), [], 'every value in values.yaml has a ## comment');
  assert.deepEqual(undocumentedValues('a: 1\n## b\nb: 2\n'), ['line 1: a: 1'], 'the comment check itself finds a bare key');
  const dir = await mkdtemp(join(tmpdir(), 'chart-lint-'));
  try {
    for (const [name, values] of Object.entries({ ...VALUE_SETS, scoped: { ...VALUE_SETS.scoped, watchNamespaces: ['team-a', 'team-b'] } })) {
      ok(await helm(['lint', '--strict', CHART, '-f', await valuesFile(dir, name, values)]), `helm lint (${name})`);
    }
    for (const bad of ['image.tag=latest', 'logLevel=loud', 'metrics.port=0', 'unknownKey=1']) {
      const result = await helm(['template', 'x', CHART, '--set', bad]);
      assert.notEqual(result.code, 0, `helm template --set ${bad} should fail the values schema`);
      assert.match(result.stderr, /schema/i, `the error for ${bad} names the schema: ${result.stderr}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// The Prometheus Operator's CRDs are not obtainable here; minimal stand-ins (any spec accepted) let
// the API server take the ServiceMonitor and PrometheusRule in the dry run. The tests check their
// content themselves; promtool checks the rules (make test-monitoring).
function standInCrd(kind: string, plural: string): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.monitoring.coreos.com`, labels: { 'dataflow.io/e2e-stand-in': 'true' } },
    spec: {
      group: 'monitoring.coreos.com',
      names: { kind, plural, listKind: `${kind}List`, singular: kind.toLowerCase() },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
    },
  };
}

/** Creates the stand-in monitoring CRDs that are missing; returns the names it created. */
async function ensureMonitoringCrds(cluster: TestCluster): Promise<string[]> {
  const api = cluster.kc.makeApiClient(ApiextensionsV1Api);
  const created: string[] = [];
  for (const crd of [standInCrd('ServiceMonitor', 'servicemonitors'), standInCrd('PodMonitor', 'podmonitors'), standInCrd('PrometheusRule', 'prometheusrules')]) {
    const name = crd.metadata?.name ?? '';
    try {
      await api.readCustomResourceDefinition({ name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await api.createCustomResourceDefinition({ body: crd });
      created.push(name);
    }
    await waitFor(`CRD ${name} to be Established`, async () => {
      const current = await api.readCustomResourceDefinition({ name });
      return (current.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
  return created;
}

void test('helm template over three value sets is accepted by a server-side dry run', { timeout: 180_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  const dir = await mkdtemp(join(tmpdir(), 'chart-template-'));
  const namespaces: string[] = [];
  let standIns: string[] = [];
  t.after(async () => {
    await rm(dir, { recursive: true, force: true });
    for (const ns of namespaces) await deleteNamespace(cluster, ns, 60_000);
    const api = cluster.kc.makeApiClient(ApiextensionsV1Api);
    for (const name of standIns) await api.deleteCustomResourceDefinition({ name }).catch(() => undefined);
  });
  const release = uniqueReleaseName();
  namespaces.push(await createTestNamespace(cluster, 'chart-dry'));
  const [ns] = namespaces as [string];
  const watched = [await createTestNamespace(cluster, 'chart-team'), await createTestNamespace(cluster, 'chart-team')];
  namespaces.push(...watched);
  standIns = await ensureMonitoringCrds(cluster);

  const plainRole = one(await readYamlFile(join(repoRoot(), 'deploy', 'rbac', 'role.yaml')), 'ClusterRole');
  const plainOperator = one(await readYamlFile(join(repoRoot(), 'deploy', 'operator.yaml')), 'Deployment');
  const fullname = `${release}-dataflow-operator`;

  const render = async (name: keyof typeof VALUE_SETS, values: unknown): Promise<Obj[]> => {
    const out = ok(await helm(['template', release, CHART, '--namespace', ns, '-f', await valuesFile(dir, name, values)]), `helm template (${name})`);
    const file = join(dir, `${name}.rendered.yaml`);
    await writeFile(file, out);
    const applied = await kubectl(adminKubeconfigPath(), ['apply', '--dry-run=server', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, '-f', file]);
    ok(applied, `kubectl apply --dry-run=server of the ${name} rendering`);
    return parseManifests(out);
  };

  await t.test('defaults', async () => {
    const objects = await render('defaults', VALUE_SETS.defaults);
    const crd = one(objects, 'CustomResourceDefinition', CRD_NAME);
    assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
    const deployment = one(objects, 'Deployment', fullname);
    const c = container(deployment);
    assert.equal(c.image, 'ghcr.io/dataflow-operator/dataflow-controller:0.1.0', 'the tag defaults to appVersion, never latest');
    assert.deepEqual(c.args, ['--metrics-port=8080', '--health-port=8081'], 'one replica: no leader election, all namespaces');
    assert.equal(c.env.find((e) => e.name === 'WORKER_IMAGE')?.value, 'ghcr.io/dataflow-operator/dataflow-worker:0.1.0');
    // The chart and deploy/operator.yaml come from the same defaults.
    const plain = container(plainOperator);
    for (const field of ['ports', 'livenessProbe', 'readinessProbe', 'securityContext'] as const) {
      assert.deepEqual(c[field], plain[field], `container ${field} differs between the chart and deploy/operator.yaml`);
    }
    assert.deepEqual(podSpec(deployment).securityContext, podSpec(plainOperator).securityContext);
    assert.deepEqual(one(objects, 'ClusterRole', fullname)['rules'], plainRole['rules'], 'the chart ClusterRole has the rules of deploy/rbac/role.yaml');
    assert.equal(one(objects, 'ClusterRoleBinding', fullname).kind, 'ClusterRoleBinding');
    assert.equal(one(objects, 'Role', `${fullname}-leader-election`).metadata.namespace, ns);
    assert.equal(one(objects, 'Service', `${fullname}-metrics`).kind, 'Service');
    for (const kind of ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'ConfigMap']) assert.equal(find(objects, kind).length, 0, `no ${kind} by default`);
  });

  await t.test('monitoring on, two replicas', async () => {
    const objects = await render('monitoring', VALUE_SETS.monitoring);
    assert.ok(container(one(objects, 'Deployment', fullname)).args.includes('--leader-elect'), 'replicaCount 2 turns leader election on');
    const monitor = one(objects, 'ServiceMonitor', fullname);
    assert.equal(monitor.metadata.labels?.['release'], 'prom');
    const endpoints = (monitor['spec'] as { endpoints: Array<{ port: string; path: string }> }).endpoints;
    assert.deepEqual(
      endpoints.map((e) => [e.port, e.path]),
      [['metrics', '/metrics']],
    );
    // The PodMonitor finds worker pods by the labels and port name the operator really renders.
    const podMonitor = one(objects, 'PodMonitor', 'dataflow-worker')['spec'] as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: Array<{ port: string; path: string }>;
    };
    const workerLabelSet = workerLabels('any-flow');
    for (const [key, value] of Object.entries(podMonitor.selector.matchLabels)) assert.equal(workerLabelSet[key], value, `worker pods carry ${key}=${value}`);
    assert.deepEqual(podMonitor.podMetricsEndpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
    const rule = one(objects, 'PrometheusRule', fullname);
    const source = parseManifests(await readFile(join(repoRoot(), 'deploy', 'monitoring', 'prometheus-rules.yaml'), 'utf8'))[0] as unknown as { groups: unknown };
    assert.deepEqual((rule['spec'] as { groups: unknown }).groups, source.groups, 'the PrometheusRule carries deploy/monitoring/prometheus-rules.yaml');
    const dashboard = one(objects, 'ConfigMap', `${fullname}-dashboard`);
    assert.equal(dashboard.metadata.labels?.['grafana_dashboard'], '1');
    const json = (dashboard['data'] as Record<string, string>)['dataflow-operator.json'] ?? '';
    assert.deepEqual(JSON.parse(json), JSON.parse(await readFile(join(repoRoot(), 'deploy', 'monitoring', 'dashboard.json'), 'utf8')));
  });

  await t.test('CRD off, watching two namespaces', async () => {
    const objects = await render('scoped', { ...VALUE_SETS.scoped, watchNamespaces: watched });
    assert.equal(find(objects, 'CustomResourceDefinition').length, 0);
    assert.equal(find(objects, 'ClusterRoleBinding').length, 0, 'no cluster-wide binding when namespaces are listed');
    const bindings = find(objects, 'RoleBinding', fullname);
    assert.deepEqual(bindings.map((b) => b.metadata.namespace).sort(), [...watched].sort());
    const args = container(one(objects, 'Deployment', fullname)).args;
    for (const w of watched) assert.ok(args.includes(`--namespace=${w}`), `--namespace=${w} in ${args.join(' ')}`);
  });
});

void test('the plain manifests in deploy/ build with kustomize and pass a server-side dry run', { timeout: 120_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  const ns = await createTestNamespace(cluster, 'deploy-dry');
  const dir = await mkdtemp(join(tmpdir(), 'deploy-kustomize-'));
  t.after(async () => {
    await rm(dir, { recursive: true, force: true });
    await deleteNamespace(cluster, ns, 60_000);
  });
  // An overlay as a user would write one: deploy/ as the base, moved into another namespace.
  const base = relative(dir, join(repoRoot(), 'deploy'));
  await writeFile(join(dir, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: ns, resources: [base] }));
  const kc = adminKubeconfigPath();
  const rendered = ok(await kubectl(kc, ['kustomize', dir]), 'kubectl kustomize');
  const objects = parseManifests(rendered);
  assert.deepEqual(
    objects.map((o) => o.kind).sort(),
    ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'],
  );
  assert.deepEqual(one(objects, 'ClusterRoleBinding')['subjects'], [{ kind: 'ServiceAccount', name: 'dataflow-operator', namespace: ns }]);
  const file = join(dir, 'rendered.yaml');
  await writeFile(file, rendered);
  ok(await kubectl(kc, ['apply', '--dry-run=server', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, '-f', file]), 'dry run of deploy/');
});

function uniqueReleaseName(): string {
  return `dfop-${randomBytes(3).toString('hex')}`;
}

/** `kubectl get` names of the release's objects in the namespace and cluster-wide. */
async function releaseObjects(ns: string, release: string): Promise<string[]> {
  const selector = `app.kubernetes.io/instance=${release}`;
  const kc = adminKubeconfigPath();
  const namespaced = ok(await kubectl(kc, ['get', 'deployments,replicasets,pods,services,serviceaccounts,configmaps,roles,rolebindings', '-n', ns, '-l', selector, '-o', 'name']), 'kubectl get');
  const cluster = ok(await kubectl(kc, ['get', 'clusterroles,clusterrolebindings', '-l', selector, '-o', 'name']), 'kubectl get');
  return `${namespaced}\n${cluster}`.split('\n').filter((line) => line.trim() !== '');
}

void test('helm install, upgrade and uninstall in the test cluster', { timeout: 240_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  const release = uniqueReleaseName();
  const ns = await createTestNamespace(cluster, 'chart-install');
  const fullname = `${release}-dataflow-operator`;
  t.after(async () => {
    await helm(['uninstall', release, '--namespace', ns, '--ignore-not-found']);
    await deleteNamespace(cluster, ns, 60_000);
    const kc = adminKubeconfigPath();
    await kubectl(kc, ['delete', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`, '--ignore-not-found']);
  });

  // --take-ownership: the CRD usually exists already (applied by other tests or by hand), and a user
  // moving it under the chart needs the same flag.
  ok(await helm(['install', release, CHART, '--namespace', ns, '--take-ownership', '--force-conflicts']), 'helm install');
  const kc = adminKubeconfigPath();
  const getJson = async (args: string[]): Promise<Obj> => JSON.parse(ok(await kubectl(kc, ['get', ...args, '-o', 'json']), `kubectl get ${args.join(' ')}`)) as Obj;

  const deployment = await getJson(['deployment', fullname, '-n', ns]);
  assert.equal(container(deployment).image, 'ghcr.io/dataflow-operator/dataflow-controller:0.1.0');
  const plainRole = one(await readYamlFile(join(repoRoot(), 'deploy', 'rbac', 'role.yaml')), 'ClusterRole');
  assert.deepEqual((await getJson(['clusterrole', fullname]))['rules'], plainRole['rules']);
  const binding = await getJson(['clusterrolebinding', fullname]);
  assert.deepEqual(binding['subjects'], [{ kind: 'ServiceAccount', name: fullname, namespace: ns }]);
  await getJson(['serviceaccount', fullname, '-n', ns]);
  await getJson(['role', `${fullname}-leader-election`, '-n', ns]);
  await getJson(['rolebinding', `${fullname}-leader-election`, '-n', ns]);
  await getJson(['service', `${fullname}-metrics`, '-n', ns]);
  const crd = await getJson(['crd', CRD_NAME]);
  assert.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  assert.equal(crd.metadata.annotations?.['meta.helm.sh/release-name'], release, 'the chart took the CRD over');

  const hashes = async (): Promise<string[]> => {
    const list = JSON.parse(ok(await kubectl(kc, ['get', 'replicasets', '-n', ns, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json']), 'get rs')) as {
      items: Obj[];
    };
    return list.items.map((rs) => rs.metadata.labels?.['pod-template-hash'] ?? '').sort();
  };
  const [first] = await waitFor('the first ReplicaSet of the operator', async () => {
    const found = await hashes();
    return found.length === 1 ? found : undefined;
  });

  ok(await helm(['upgrade', release, CHART, '--namespace', ns, '--set', 'logLevel=debug', '--force-conflicts']), 'helm upgrade');
  const upgraded = await getJson(['deployment', fullname, '-n', ns]);
  assert.equal(container(upgraded).env.find((e) => e.name === 'LOG_LEVEL')?.value, 'debug');
  const rolled = await waitFor('a second ReplicaSet with a new pod-template-hash', async () => {
    const found = await hashes();
    return found.length === 2 ? found : undefined;
  });
  assert.ok(first !== undefined && rolled.includes(first) && rolled.some((h) => h !== first), `hashes before ${first ?? '?'}, after ${rolled.join(',')}`);

  ok(await helm(['uninstall', release, '--namespace', ns]), 'helm uninstall');
  const left = await waitFor(
    'every object of the release to be gone',
    async () => {
      const found = await releaseObjects(ns, release);
      return found.length === 0 ? found : undefined;
    },
    { timeoutMs: 60_000 },
  ).catch(async (error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; left: ${(await releaseObjects(ns, release)).join(', ')}`);
  });
  assert.deepEqual(left, []);
  assert.equal(ok(await helm(['list', '--namespace', ns, '-q']), 'helm list').trim(), '', 'no release left');
  const kept = await getJson(['crd', CRD_NAME]);
  assert.equal(kept.metadata.name, CRD_NAME, 'the CRD is kept (helm.sh/resource-policy: keep)');
});
