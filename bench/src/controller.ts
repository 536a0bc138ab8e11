// Controller benchmark (not a test; issue 7 item 7), against the real test control plane
// (scripts/cluster/control-plane.sh) with the operator as a process, as the e2e suites run it:
//   1. the CRD is applied (kubectl apply --server-side), a fresh namespace, the test node agent
//      (in this process unless one already serves the run dir), the operator watching only that
//      namespace — its kubeconfig points at a counting proxy (controller-api-proxy.ts) so its own
//      requests are tallied by verb and resource;
//   2. --flows DataFlows (generator → stdout at --rate msg/s) are created at once (concurrent POSTs);
//      the first --running of them run, the others have spec.suspend (a Deployment with 0 replicas).
//      The default rate, 0.001/s, emits the first message after ~1000 s: the flows are unchanged
//      (no counts move) during the steady state, while the workers still report every 10 s. With
//      a rate of 1/s the counts move, and the operator writes the new totals once per report;
//   3. measured from the first POST: when every Deployment df-<name> exists, and when every flow
//      reports its final phase (Running, or Suspended for the suspended ones); polled every 500 ms;
//   4. steady state for --steady-seconds: the operator's write requests (POST/PUT/PATCH/DELETE seen
//      by the proxy; must be 0), plus the apiserver's apiserver_request_total deltas for context
//      (cluster-wide: the workers' status reports and other suites' traffic are in there too);
//   5. operator RSS (sampled every second; peak = VmHWM), CPU seconds per phase, worker RSS;
//   6. cleanup: operator stopped, namespace deleted (and waited for), agent stopped.
// Usage: node bench/dist/controller.js [--flows 200] [--running 40] [--steady-seconds 300] [--rate 0.001]
//        [--resync-period 120] [--timeout-seconds 900] [--show-writes 3] [--operator-args=--workers=16]
//        [--operator-node-options="--max-old-space-size=256"] [--json]
// --operator-node-options defaults to the chart's nodeOptions (charts/dataflow-operator/values.yaml),
// so the operator runs with the heap caps it gets in a cluster; "" runs it with Node's defaults.
// --show-writes N prints the bodies of the first N operator writes of the steady state (there should be none).
// Run it alone: flock /tmp/dataflow-heavy.lock make bench-controller
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { adminKubeconfigPath, deleteNamespace, k8sRunDir, useNodeAgent } from '../../e2e/dist/support/cluster.js';
import type { TestCluster } from '../../e2e/dist/support/cluster.js';
import { GROUP, PLURAL, VERSION } from '../../e2e/dist/support/dataflows.js';
import type { DataFlowObject } from '../../e2e/dist/support/dataflows.js';
import { loadKubeConfig } from '../../e2e/dist/support/kube.js';
import { applyDataFlowCrd, startOperator } from '../../e2e/dist/support/operator.js';
import type { OperatorProcess } from '../../e2e/dist/support/operator.js';
import { startApiProxy } from './controller-api-proxy.js';
import type { ApiProxy } from './controller-api-proxy.js';
import { cpuSecondsOf, memoryOf, mib, pidsWithArg, pidsWithEnv } from './controller-procs.js';

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '200' },
    // Each worker process takes ~170 MiB RSS: 200 of them (~34 GiB) do not fit the 24 GiB machine.
    running: { type: 'string', default: '40' },
    'steady-seconds': { type: 'string', default: '300' },
    rate: { type: 'string', default: '0.001' },
    'resync-period': { type: 'string', default: '120' },
    'timeout-seconds': { type: 'string', default: '900' },
    'show-writes': { type: 'string', default: '3' },
    // Extra operator flags, space-separated: --operator-args="--workers=16 --log-level=warn".
    'operator-args': { type: 'string', default: '' },
    // NODE_OPTIONS of the operator process only; default: the chart's (values.yaml nodeOptions).
    'operator-node-options': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const positive = (name: string, text: string, min = 1): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}`);
  return value;
};
const FLOWS = positive('flows', args.flows);
const RUNNING = Math.min(FLOWS, positive('running', args.running, 0));
const STEADY_SECONDS = positive('steady-seconds', args['steady-seconds'], 0);
const RESYNC_SECONDS = positive('resync-period', args['resync-period'], 0);
const TIMEOUT_MS = positive('timeout-seconds', args['timeout-seconds']) * 1000;
const RATE = Number(args.rate);
if (!(RATE > 0)) throw new Error(`--rate must be a number > 0, got ${args.rate}`);
const OPERATOR_ARGS = args['operator-args'].split(' ').filter((a) => a !== '');
/** `nodeOptions: "..."` of the chart's values.yaml: what the operator's Deployment sets as NODE_OPTIONS. */
async function chartNodeOptions(): Promise<string> {
  const values = await readFile(new URL('../../charts/dataflow-operator/values.yaml', import.meta.url), 'utf8');
  const match = /^nodeOptions:\s*"([^"]*)"\s*$/m.exec(values);
  if (match?.[1] === undefined) throw new Error('charts/dataflow-operator/values.yaml has no quoted nodeOptions value; pass --operator-node-options');
  return match[1];
}
const OPERATOR_NODE_OPTIONS = (args['operator-node-options'] ?? (await chartNodeOptions())).trim();
const POLL_MS = 500;

const flowName = (i: number): string => `bench-${String(i).padStart(3, '0')}`;
const expectedPhase = (i: number): string => (i < RUNNING ? 'Running' : 'Suspended');

function flowSpec(i: number): Record<string, unknown> {
  return {
    ...(i < RUNNING ? {} : { suspend: true }),
    source: { type: 'generator', config: { ratePerSecond: RATE, template: { id: '{{seq}}', flow: flowName(i) } } },
    sink: { type: 'stdout', config: {} },
  };
}

const log = (message: string): void => {
  process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
};

/** GET on the API server with the admin identity, for /metrics (not a typed API). */
async function rawGet(kc: KubeConfig, path: string): Promise<string> {
  const cluster = kc.getCurrentCluster();
  const token = kc.getCurrentUser()?.token;
  if (cluster === null || token === undefined) throw new Error('the admin kubeconfig needs a cluster and a bearer token');
  const ca = cluster.caData !== undefined ? Buffer.from(cluster.caData, 'base64') : cluster.caFile !== undefined ? await readFile(cluster.caFile) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cluster.server), { headers: { authorization: `Bearer ${token}` }, ...(ca === undefined ? {} : { ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: HTTP ${String(res.statusCode)}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** apiserver_request_total for write verbs, summed over codes: `VERB resource[/sub]` → count. */
function writeRequestTotals(metrics: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = new Map<string, string>([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const verb = labels.get('verb') ?? '';
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'CREATE', 'UPDATE'].includes(verb)) continue;
    const sub = labels.get('subresource') ?? '';
    const resource = sub === '' ? (labels.get('resource') ?? '') : `${labels.get('resource') ?? ''}/${sub}`;
    const key = `${verb} ${resource}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return totals;
}

function delta(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d > 0) out.set(key, d);
  }
  return out;
}

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
const show = (counts: Map<string, number>): string =>
  counts.size === 0 ? 'none' : [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Polls `list` until every expected name has been seen in an accepted state; returns ms from t0 per name. */
async function firstSeen(what: string, t0: number, names: string[], list: () => Promise<Map<string, boolean>>): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const deadline = t0 + TIMEOUT_MS;
  while (seen.size < names.length) {
    const now = Date.now();
    if (now > deadline) throw new Error(`timed out after ${TIMEOUT_MS / 1000} s: ${seen.size}/${names.length} ${what}`);
    const state = await list();
    for (const name of names) if (!seen.has(name) && state.get(name) === true) seen.set(name, now - t0);
    if (seen.size < names.length) await delay(POLL_MS);
  }
  return seen;
}

/** Samples a process's RSS every second until stopped; keeps the largest value seen. */
function rssSampler(pid: number): { max(): number; stop(): void } {
  let max = 0;
  const timer = setInterval(() => {
    void memoryOf(pid).then((m) => {
      if (m !== undefined) max = Math.max(max, m.rss);
    });
  }, 1000);
  return { max: () => max, stop: () => clearInterval(timer) };
}

async function main(): Promise<void> {
  const kubeconfigPath = adminKubeconfigPath();
  const kc = loadKubeConfig(kubeconfigPath);
  const cluster: TestCluster = { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), runDir: k8sRunDir() };
  const custom = kc.makeApiClient(CustomObjectsApi);
  await cluster.core.listNamespace({ limit: 1 }).catch((error: unknown) => {
    throw new Error(`the test control plane is not reachable with ${kubeconfigPath} (make cluster-up): ${String(error)}`);
  });
  const namespace = `h2-bench-ctl-${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'dataflow-bench-controller-'));
  const cleanup: Array<() => Promise<void>> = [];
  const machine = `nproc ${cpus().length}, ${cpus()[0]?.model.trim() ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  log(`machine: ${machine}; load ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  log(`${FLOWS} flows (${RUNNING} running, ${FLOWS - RUNNING} suspended, ${RATE} msg/s each) in namespace ${namespace}; steady ${STEADY_SECONDS} s; operator --resync-period ${RESYNC_SECONDS} ${OPERATOR_ARGS.join(' ')}${OPERATOR_NODE_OPTIONS === '' ? '' : `, NODE_OPTIONS=${OPERATOR_NODE_OPTIONS}`}`);

  try {
    await applyDataFlowCrd(kc, kubeconfigPath);
    // Cleanup runs in reverse: the namespace goes while the agent still runs (it finishes pod deletions).
    const agent = await useNodeAgent(cluster);
    cleanup.push(() => agent.stop());
    log(agent.agent === undefined ? 'using the node agent another process runs' : 'node agent started in this process');
    await cluster.core.createNamespace({ body: { metadata: { name: namespace, labels: { 'dataflow.io/e2e': 'true', 'dataflow.io/bench': 'controller' } } } });
    cleanup.push(async () => {
      log(`deleting namespace ${namespace}`);
      const started = Date.now();
      await deleteNamespace(cluster, namespace, 600_000);
      log(`namespace deleted in ${seconds(Date.now() - started)}`);
    });


    // The operator's own kubeconfig: same token, server = the counting proxy.
    const admin = kc.getCurrentCluster();
    if (admin === null) throw new Error('the admin kubeconfig has no current cluster');
    const proxy: ApiProxy = await startApiProxy({
      server: admin.server,
      captureWrites: positive('show-writes', args['show-writes'], 0),
      ca: admin.caData !== undefined ? Buffer.from(admin.caData, 'base64') : admin.caFile !== undefined ? await readFile(admin.caFile) : undefined,
    });
    cleanup.push(() => proxy.close());
    const operatorKubeconfig = join(dir, 'operator.kubeconfig');
    const token = kc.getCurrentUser()?.token ?? '';
    await writeFile(
      operatorKubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        // client-node refuses plain http unless TLS verification is "skipped"; there is no TLS on
        // this loopback hop, the proxy verifies the real server against its CA.
        'clusters: [{name: proxy, cluster: {server: "' + proxy.url + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: operator, user: {token: "' + token + '"}}]',
        'contexts: [{name: proxy, context: {cluster: proxy, user: operator}}]',
        'current-context: proxy',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // startOperator passes this process's environment on: NODE_OPTIONS is set only while it starts
    // the operator (no worker process is spawned meanwhile: no flow exists yet).
    const ownNodeOptions = process.env['NODE_OPTIONS'];
    if (OPERATOR_NODE_OPTIONS !== '') process.env['NODE_OPTIONS'] = OPERATOR_NODE_OPTIONS;
    let operator: OperatorProcess;
    try {
      operator = await startOperator({ kubeconfigPath: operatorKubeconfig, namespaces: [namespace], extraArgs: ['--resync-period', String(RESYNC_SECONDS), ...OPERATOR_ARGS] });
    } finally {
      if (ownNodeOptions === undefined) delete process.env['NODE_OPTIONS'];
      else process.env['NODE_OPTIONS'] = ownNodeOptions;
    }
    cleanup.push(() => operator.stop());
    const [operatorPid] = await pidsWithArg(operatorKubeconfig);
    if (operatorPid === undefined) throw new Error('cannot find the operator process');
    const rss = rssSampler(operatorPid);
    cleanup.push(() => Promise.resolve(rss.stop()));
    const idleRss = (await memoryOf(operatorPid))?.rss ?? NaN;
    const cpuAtStart = (await cpuSecondsOf(operatorPid)) ?? NaN;
    log(`operator pid ${operatorPid} synced, RSS ${mib(idleRss)}`);

    // --- burst: every flow at once -------------------------------------------------------------
    const names = Array.from({ length: FLOWS }, (_, i) => flowName(i));
    proxy.reset();
    const t0 = Date.now();
    await Promise.all(
      names.map((name, i) =>
        custom.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
          body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'DataFlow', metadata: { name, namespace }, spec: flowSpec(i) },
        }),
      ),
    );
    const createdMs = Date.now() - t0;
    log(`${FLOWS} DataFlows created in ${seconds(createdMs)}`);

    const deploymentsPromise = firstSeen('Deployments exist', t0, names, async () => {
      const list = await cluster.apps.listNamespacedDeployment({ namespace, resourceVersion: '0' });
      return new Map(list.items.map((d) => [(d.metadata?.name ?? '').replace(/^df-/, ''), true]));
    });
    // Where the time goes between the Deployment and Running: kube-controller-manager makes the pod,
    // the node agent starts it and reports it Ready, the operator sees the Deployment available.
    const podsPromise = firstSeen('worker pods exist', t0, names.slice(0, RUNNING), async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace, resourceVersion: '0' });
      return new Map(pods.items.map((p) => [p.metadata?.labels?.['dataflow.dataflow.io/name'] ?? '', true]));
    });
    const phasesPromise = firstSeen('flows in their final phase', t0, names, async () => {
      const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, resourceVersion: '0' })) as { items: DataFlowObject[] };
      const index = new Map(names.map((n, i) => [n, i]));
      return new Map(list.items.map((f) => [f.metadata.name ?? '', f.status?.phase === expectedPhase(index.get(f.metadata.name ?? '') ?? 0)]));
    });
    const deployments = await deploymentsPromise;
    const deploymentsMs = Math.max(...deployments.values());
    log(`all ${FLOWS} Deployments exist after ${seconds(deploymentsMs)}`);
    const podTimes = [...(await podsPromise).values()].sort((a, b) => a - b);
    const phases = await phasesPromise;
    const phasesMs = Math.max(...phases.values());
    const runningTimes = names.slice(0, RUNNING).map((n) => phases.get(n) ?? NaN).sort((a, b) => a - b);
    log(`all flows in their final phase after ${seconds(phasesMs)}`);
    const burstWrites = proxy.writes();
    const cpuAfterBurst = (await cpuSecondsOf(operatorPid)) ?? NaN;
    const burstPeakRss = rss.max();

    // --- steady state ------------------------------------------------------------------------
    const workersAtStart = await pidsWithEnv('POD_NAMESPACE', namespace);
    proxy.reset();
    const apiBefore = writeRequestTotals(await rawGet(kc, '/metrics'));
    const steadyStart = Date.now();
    log(`steady state for ${STEADY_SECONDS} s (${workersAtStart.length} worker processes)`);
    await delay(STEADY_SECONDS * 1000);
    const steadyMs = Date.now() - steadyStart;
    const steadyWrites = proxy.writes();
    const steadyAll = proxy.counts();
    const steadyBodies = proxy.capturedWrites();
    const apiDelta = delta(writeRequestTotals(await rawGet(kc, '/metrics')), apiBefore);
    const cpuAfterSteady = (await cpuSecondsOf(operatorPid)) ?? NaN;
    const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as { items: DataFlowObject[] };
    const phaseCounts = new Map<string, number>();
    for (const f of list.items) phaseCounts.set(f.status?.phase ?? 'none', (phaseCounts.get(f.status?.phase ?? 'none') ?? 0) + 1);

    const workerMemory = (await Promise.all((await pidsWithEnv('POD_NAMESPACE', namespace)).map((pid) => memoryOf(pid)))).filter((m) => m !== undefined);
    const workerRss = workerMemory.map((m) => m.rss).sort((a, b) => a - b);
    const operatorMemory = await memoryOf(operatorPid);
    const agentRss = agent.agent === undefined ? undefined : process.memoryUsage().rss;

    const result = {
      date: new Date().toISOString(),
      machine,
      loadAverage: loadavg(),
      flows: FLOWS,
      running: RUNNING,
      ratePerSecond: RATE,
      operatorArgs: OPERATOR_ARGS,
      operatorNodeOptions: OPERATOR_NODE_OPTIONS,
      createAllMs: createdMs,
      allDeploymentsMs: deploymentsMs,
      deploymentsP50Ms: percentile([...deployments.values()].sort((a, b) => a - b), 50),
      podsP50Ms: percentile(podTimes, 50),
      allPodsMs: podTimes.at(-1) ?? NaN,
      allFinalPhaseMs: phasesMs,
      runningP50Ms: percentile(runningTimes, 50),
      runningMaxMs: runningTimes.at(-1) ?? NaN,
      burstOperatorWrites: Object.fromEntries(burstWrites),
      steadySeconds: steadyMs / 1000,
      steadyOperatorWrites: total(steadyWrites),
      steadyOperatorWritesByKind: Object.fromEntries(steadyWrites),
      steadyOperatorRequests: Object.fromEntries(steadyAll),
      steadyOperatorWriteSamples: steadyBodies,
      steadyApiserverWritesAllClients: Object.fromEntries(apiDelta),
      phasesAfterSteady: Object.fromEntries(phaseCounts),
      operatorUserAgents: [...proxy.userAgents()],
      operatorRssIdleBytes: idleRss,
      operatorRssSampledMaxBytes: Math.max(rss.max(), burstPeakRss),
      operatorPeakRssBytes: operatorMemory?.peakRss ?? NaN,
      operatorRssEndBytes: operatorMemory?.rss ?? NaN,
      operatorCpuBurstSeconds: cpuAfterBurst - cpuAtStart,
      operatorCpuSteadySeconds: cpuAfterSteady - cpuAfterBurst,
      workerProcesses: workerRss.length,
      workerRssP50Bytes: percentile(workerRss, 50),
      workerRssMaxBytes: workerRss.at(-1) ?? NaN,
      workerRssSumBytes: workerRss.reduce((a, b) => a + b, 0),
      benchProcessRssWithAgentBytes: agentRss ?? null,
    };
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const lines = [
        `flows: ${FLOWS} (${RUNNING} running, ${FLOWS - RUNNING} suspended, generator ${RATE} msg/s); created (concurrent POSTs) in ${seconds(createdMs)}`,
        `all Deployments exist: ${seconds(deploymentsMs)} (p50 ${seconds(result.deploymentsP50Ms)})`,
        `worker pods exist (running flows): p50 ${seconds(result.podsP50Ms)}, all ${seconds(result.allPodsMs)}`,
        `all flows Running/Suspended: ${seconds(phasesMs)} (Running p50 ${seconds(result.runningP50Ms)}, max ${seconds(result.runningMaxMs)})`,
        `operator writes during the burst: ${total(burstWrites)} (${show(burstWrites)})`,
        `steady ${seconds(steadyMs)}: operator writes ${total(steadyWrites)} (${show(steadyWrites)}); all operator requests: ${show(steadyAll)}`,
        ...steadyBodies.map((w) => `  steady write sample: ${w.request} ${w.body}`),
        `steady apiserver write requests, all clients (apiserver_request_total delta): ${show(apiDelta)}`,
        `phases after steady state: ${show(phaseCounts)}`,
        `operator RSS: idle ${mib(idleRss)}, peak (VmHWM) ${mib(result.operatorPeakRssBytes)}, end ${mib(result.operatorRssEndBytes)}; CPU burst ${result.operatorCpuBurstSeconds.toFixed(1)} s, steady ${result.operatorCpuSteadySeconds.toFixed(1)} s`,
        `worker processes: ${workerRss.length}, RSS p50 ${mib(result.workerRssP50Bytes)}, max ${mib(result.workerRssMaxBytes)}, sum ${mib(result.workerRssSumBytes)}`,
        `bench process (with the in-process node agent): ${agentRss === undefined ? 'agent external' : mib(agentRss)}`,
        `operator user agents: ${result.operatorUserAgents.join(' | ')}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    for (const step of cleanup.reverse()) {
      await step().catch((error: unknown) => log(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
