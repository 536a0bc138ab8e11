// The test node agent: a tiny kubelet stand-in that runs worker pods as local processes.
// It registers Node `local-proc` (Ready), watches pods labelled app.kubernetes.io/name=dataflow-worker
// with an informer (relisting after 410 Gone), binds new ones to its node, starts their containers
// (pod-runner.ts), reports status, and finishes deletions: SIGTERM, at most min(grace, 5 s), SIGKILL,
// then DELETE with gracePeriodSeconds 0 and a UID precondition (no kubelet confirms otherwise, and
// Deployments, ReplicaSets and namespaces would stay Terminating).
//
//   node e2e/dist/support/node-agent.js --kubeconfig <file> --run-dir <dir> [--path-mode auto|namespace|env]
//        [--runtime process|podman]
//
// Runtime `process` (default) maps images to local commands; `podman` (env DATAFLOW_E2E_RUNTIME=podman)
// runs each container from its real image (podman-container.ts). Pods whose nodeSelector does not
// match this node's labels are left for another agent, and an agent started with
// bindUnselectedPods false takes only pods that select it, so the shared agent and extra ones (with
// other node names and run dirs) can serve one cluster side by side.
//
// or in-process: `const agent = await NodeAgent.start({ kubeconfig, runDir }); … await agent.stop();`
// Only one agent may serve a run dir: <run dir>/node-agent.pid holds the PID of the one that does.
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CoreV1Api, makeInformer } from '@kubernetes/client-node';
import type { Informer, KubeConfig, ObjectCache, V1Pod } from '@kubernetes/client-node';
import type { BackoffOptions } from './container-runner.js';
import { PortAllocator } from './free-port.js';
import { MERGE_PATCH, describeError, isConflict, isNotFound, loadKubeConfig } from './kube.js';
import { MountPoints, namespaceMountsAvailable } from './mount-namespace.js';
import { defaultImageMappings } from './pod-command.js';
import type { ImageMapping } from './pod-command.js';
import { PodRunner, podDirName } from './pod-runner.js';
import type { ContainerRuntime, PathMode, PodRunnerDeps } from './pod-runner.js';
import { checkPodman, podmanConfigFromEnv, removeLabelled } from './podman-cli.js';
import type { PodmanConfig } from './podman-cli.js';
import { NODE_AGENT_LABEL } from './podman-container.js';

export const DEFAULT_NODE_NAME = 'local-proc';
export const WORKER_POD_SELECTOR = 'app.kubernetes.io/name=dataflow-worker';

export type RuntimeKind = 'process' | 'podman';

/** DATAFLOW_E2E_RUNTIME: process (default) or podman; anything else is an error. */
export function runtimeFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeKind {
  const value = env['DATAFLOW_E2E_RUNTIME'] ?? 'process';
  if (value !== 'process' && value !== 'podman') throw new Error(`DATAFLOW_E2E_RUNTIME must be process or podman, got "${value}"`);
  return value;
}

export interface NodeAgentOptions {
  /** Kubeconfig file (or loaded config) with rights to nodes, pods, pods/status, pods/binding, serviceaccounts/token. */
  kubeconfig: string | KubeConfig;
  /** Pod dirs go to <runDir>/pods/<ns>_<name>_<uid>/ (volumes in vol/, <container>.log). */
  runDir: string;
  nodeName?: string;
  /** Which pods the agent runs (default app.kubernetes.io/name=dataflow-worker). */
  labelSelector?: string;
  /** Images → local argv (default: *dataflow-worker* → node <repo>/packages/worker/dist/main.js). */
  images?: ImageMapping[];
  /** auto (default): `namespace` when running as root and unshare works, else `env`. */
  pathMode?: 'auto' | PathMode;
  /** process: local commands; podman: the real images (default: DATAFLOW_E2E_RUNTIME, else process). */
  runtime?: RuntimeKind;
  /** How podman is called (default podmanConfigFromEnv()). */
  podman?: PodmanConfig;
  /** podman: apply resources.limits as --memory/--cpus (default true). */
  resourceLimits?: boolean;
  /**
   * Bind unbound pods that have no nodeSelector (default true). An extra agent beside the shared
   * one sets false, so that it takes only pods that select its node and never another test's.
   */
  bindUnselectedPods?: boolean;
  /** Upper bound of the termination grace period honoured before SIGKILL (default 5 s). */
  maxGraceSeconds?: number;
  backoff?: Partial<BackoffOptions>;
  /** Upper bound of probe periods and initial delays (default 1000 ms). */
  probeCapMs?: number;
  /** Where agent messages go (default: appended to <runDir>/node-agent.log). */
  log?: (message: string) => void;
  /**
   * SIGINT/SIGTERM/SIGHUP to this process SIGKILL the pods' processes first and then take their
   * default effect (default true; the command line handles the signals itself). The processes
   * run in their own sessions, so nothing else would stop them.
   */
  killChildrenOnSignals?: boolean;
}

const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Pod dirs of pods that no longer exist are removed at start once they are this old. */
const STALE_POD_DIR_MS = 60 * 60 * 1000;

/** Another agent already serves this run dir. */
export class NodeAgentRunningError extends Error {
  readonly pid: number;
  constructor(pid: number, runDir: string) {
    super(`a node agent (pid ${pid}) already serves ${runDir}`);
    this.pid = pid;
  }
}

/** The repository root, from this file's place in e2e/dist/support/. */
export function repoRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PID of the agent that holds <runDir>/node-agent.pid, if it is alive. */
export function runningAgentPid(runDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(runDir, 'node-agent.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function claimRunDir(runDir: string): Promise<string> {
  await mkdir(runDir, { recursive: true });
  const file = join(runDir, 'node-agent.pid');
  const holder = runningAgentPid(runDir);
  if (holder !== undefined) throw new NodeAgentRunningError(holder, runDir);
  await rm(file, { force: true });
  const handle = await open(file, 'wx');
  await handle.writeFile(`${process.pid}\n`);
  await handle.close();
  return file;
}

interface PodEntry {
  latest: V1Pod | undefined;
  gone: boolean;
  busy: boolean;
  runner?: PodRunner;
  deleted?: boolean;
}

export class NodeAgent {
  readonly nodeName: string;
  readonly runDir: string;
  readonly pathMode: PathMode;
  private readonly kc: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly deps: PodRunnerDeps;
  private readonly maxGraceMs: number;
  private readonly log: (message: string) => void;
  private readonly pods = new Map<string, PodEntry>();
  private readonly mountPoints = new MountPoints();
  private readonly pidFile: string;
  private informer: (Informer<V1Pod> & ObjectCache<V1Pod>) | undefined;
  private stopped = false;
  private readonly onExit = (): void => {
    for (const entry of this.pods.values()) entry.runner?.killNow();
  };
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.onExit();
    this.removeSignalHandlers();
    // Nobody else handles it: let the signal do what it would have done without us.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  private signalHandlers = false;

  private readonly labels: Record<string, string>;
  private readonly bindUnselectedPods: boolean;

  private constructor(options: NodeAgentOptions, kc: KubeConfig, caPem: string, pathMode: PathMode, pidFile: string, runtime: ContainerRuntime) {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
    this.runDir = options.runDir;
    this.pathMode = pathMode;
    this.pidFile = pidFile;
    this.labels = {
      'kubernetes.io/hostname': this.nodeName,
      'kubernetes.io/os': 'linux',
      'dataflow.io/test-node-agent': 'true',
      'dataflow.io/container-runtime': runtime.kind,
    };
    this.bindUnselectedPods = options.bindUnselectedPods ?? true;
    this.maxGraceMs = (options.maxGraceSeconds ?? 5) * 1000;
    const logFile = join(options.runDir, 'node-agent.log');
    this.log =
      options.log ??
      ((message: string) => {
        appendFileSync(logFile, `${new Date().toISOString()} ${message}\n`);
      });
    const server = new URL(kc.getCurrentCluster()?.server ?? 'https://127.0.0.1:16443');
    this.deps = {
      core: this.core,
      nodeName: this.nodeName,
      podsDir: join(options.runDir, 'pods'),
      caPem,
      apiServer: { host: server.hostname, port: Number(server.port === '' ? 443 : server.port) },
      images: options.images ?? defaultImageMappings(repoRoot()),
      runtime,
      pathMode,
      mountPoints: this.mountPoints,
      ports: new PortAllocator(),
      backoff: { initialMs: 1000, maxMs: 20_000, resetAfterMs: 60_000, ...options.backoff },
      probeCapMs: options.probeCapMs ?? 1000,
      log: (message) => this.log(message),
    };
  }

  /** Registers the node, starts watching pods and resolves once the first list is handled. */
  static async start(options: NodeAgentOptions): Promise<NodeAgent> {
    const kc = loadKubeConfig(options.kubeconfig);
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const caPem =
      cluster.caFile !== undefined ? await readFile(cluster.caFile, 'utf8') : cluster.caData !== undefined ? Buffer.from(cluster.caData, 'base64').toString('utf8') : '';
    const wanted = options.pathMode ?? 'auto';
    const pathMode: PathMode = wanted === 'auto' ? (namespaceMountsAvailable() ? 'namespace' : 'env') : wanted;
    if (pathMode === 'namespace' && wanted === 'namespace' && !namespaceMountsAvailable()) {
      throw new Error('path mode "namespace" needs root and a working `unshare --mount`; use "env"');
    }
    const kind = options.runtime ?? runtimeFromEnv();
    let runtime: ContainerRuntime = { kind: 'process' };
    if (kind === 'podman') {
      const config = options.podman ?? podmanConfigFromEnv();
      await checkPodman(config);
      runtime = { kind, config, resourceLimits: options.resourceLimits ?? true };
    }
    const pidFile = await claimRunDir(options.runDir);
    const agent = new NodeAgent(options, kc, caPem, pathMode, pidFile, runtime);
    try {
      await mkdir(agent.deps.podsDir, { recursive: true });
      if (runtime.kind === 'podman') {
        // Containers of an agent that died with this node name: nothing of ours runs yet.
        const removed = await removeLabelled(runtime.config, `${NODE_AGENT_LABEL}=${agent.nodeName}`);
        if (removed.length > 0) agent.log(`removed leftover containers: ${removed.join(', ')}`);
      }
      await agent.registerNode();
      await agent.watchPods(options.labelSelector ?? WORKER_POD_SELECTOR);
    } catch (error) {
      await agent.stop();
      throw error;
    }
    process.on('exit', agent.onExit);
    if (options.killChildrenOnSignals ?? true) {
      for (const signal of FATAL_SIGNALS) process.once(signal, agent.onSignal);
      agent.signalHandlers = true;
    }
    await agent.pruneStalePodDirs().catch((error: unknown) => agent.log(`pruning old pod dirs failed: ${describeError(error)}`));
    const how = runtime.kind === 'podman' ? 'podman containers' : `${pathMode} paths`;
    agent.log(`node agent ready: node ${agent.nodeName}, ${how}, run dir ${options.runDir}`);
    return agent;
  }

  /** The directory of a pod: volumes in vol/, logs in <container>.log. */
  podDir(pod: V1Pod): string {
    return join(this.deps.podsDir, podDirName(pod));
  }

  /**
   * Stops watching and kills the pods' processes (SIGTERM, SIGKILL after 2 s). The pods stay in
   * the API, as when a kubelet goes away; the node is marked NotReady.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.informer?.stop();
    const runners = [...this.pods.values()].flatMap((entry) => (entry.runner === undefined ? [] : [entry.runner]));
    await Promise.all(runners.map((runner) => runner.terminate(Math.min(2000, this.maxGraceMs))));
    this.pods.clear();
    await this.mountPoints.cleanup();
    process.off('exit', this.onExit);
    this.removeSignalHandlers();
    await this.setNodeReady(false).catch(() => undefined);
    await rm(this.pidFile, { force: true });
  }

  private removeSignalHandlers(): void {
    if (!this.signalHandlers) return;
    for (const signal of FATAL_SIGNALS) process.off(signal, this.onSignal);
    this.signalHandlers = false;
  }

  /** Removes directories of pods that no longer exist and were last touched over an hour ago. */
  private async pruneStalePodDirs(): Promise<void> {
    const known = new Set((this.informer?.list() ?? []).map((pod) => podDirName(pod)));
    for (const name of await readdir(this.deps.podsDir)) {
      if (known.has(name)) continue;
      const dir = join(this.deps.podsDir, name);
      const info = await stat(dir);
      if (Date.now() - info.mtimeMs > STALE_POD_DIR_MS) await rm(dir, { recursive: true, force: true });
    }
  }

  private nodeStatus(ready: boolean): object {
    const now = new Date().toISOString();
    const resources = { cpu: String(availableParallelism()), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' };
    return {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'KubeletReady' : 'NodeAgentStopped',
            message: ready ? `the test node agent runs pods (${this.deps.runtime.kind})` : 'the test node agent stopped',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: this.nodeName },
        ],
        capacity: resources,
        allocatable: resources,
        nodeInfo: {
          operatingSystem: 'linux',
          architecture: process.arch === 'x64' ? 'amd64' : process.arch,
          containerRuntimeVersion: this.deps.runtime.kind === 'podman' ? 'podman://dataflow-node-agent' : 'process://dataflow-node-agent',
          kubeletVersion: 'dataflow-node-agent',
          kubeProxyVersion: '',
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: '',
          osImage: '',
        },
      },
    };
  }

  private async setNodeReady(ready: boolean): Promise<void> {
    await this.core.patchNodeStatus({ name: this.nodeName, body: this.nodeStatus(ready) }, MERGE_PATCH);
  }

  private async registerNode(): Promise<void> {
    try {
      await this.core.createNode({
        body: {
          metadata: { name: this.nodeName, labels: this.labels },
        },
      });
    } catch (error) {
      if (!isConflict(error)) throw new Error(`cannot create Node ${this.nodeName}: ${describeError(error)}`);
    }
    await this.setNodeReady(true);
  }

  private async watchPods(labelSelector: string): Promise<void> {
    const informer = makeInformer<V1Pod>(this.kc, '/api/v1/pods', () => this.core.listPodForAllNamespaces({ labelSelector }), labelSelector);
    this.informer = informer;
    informer.on('add', (pod) => this.enqueue(pod, false));
    informer.on('update', (pod) => this.enqueue(pod, false));
    informer.on('delete', (pod) => this.enqueue(pod, true));
    // 410 Gone relists inside the informer; any other error stops it: start it again.
    informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      this.log(`pod watch failed, restarting in 1 s: ${describeError(error)}`);
      setTimeout(() => {
        if (!this.stopped) informer.start().catch((e: unknown) => this.log(`pod watch restart failed: ${describeError(e)}`));
      }, 1000);
    });
    await informer.start();
  }

  /** One sync at a time per pod, always on its latest version. */
  private enqueue(pod: V1Pod, gone: boolean): void {
    const uid = pod.metadata?.uid;
    if (uid === undefined || this.stopped) return;
    let entry = this.pods.get(uid);
    if (entry === undefined) {
      entry = { latest: undefined, gone: false, busy: false };
      this.pods.set(uid, entry);
    }
    entry.latest = pod;
    entry.gone ||= gone;
    if (entry.busy) return;
    entry.busy = true;
    void this.drain(uid, entry);
  }

  private async drain(uid: string, entry: PodEntry): Promise<void> {
    while (entry.latest !== undefined && !this.stopped) {
      const pod = entry.latest;
      entry.latest = undefined;
      try {
        await this.sync(uid, entry, pod);
      } catch (error) {
        this.log(`pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}: sync failed: ${describeError(error)}`);
        // Try again with the newest version unless a newer event already queued one.
        if (entry.latest === undefined && !entry.gone) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          entry.latest ??= pod;
        }
      }
    }
    entry.busy = false;
  }

  private async sync(uid: string, entry: PodEntry, pod: V1Pod): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    if (entry.gone) {
      // Deleted from the API (by us, or forcibly by someone else): make sure nothing runs.
      await entry.runner?.terminate(this.maxGraceMs);
      this.pods.delete(uid);
      return;
    }
    let nodeName = pod.spec?.nodeName;
    if (nodeName === undefined || nodeName === '') {
      // Another agent's pod (no scheduler runs: the nodeSelector decides who binds it).
      const selector = Object.entries(pod.spec?.nodeSelector ?? {});
      if (selector.some(([key, value]) => this.labels[key] !== value)) return;
      if (selector.length === 0 && !this.bindUnselectedPods) return;
      if (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null) return; // unbound pods go at once
      try {
        await this.core.createNamespacedPodBinding({
          name,
          namespace,
          body: { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName } },
        });
      } catch (error) {
        if (isConflict(error) || isNotFound(error)) return; // bound meanwhile, or gone: a watch event follows
        throw error;
      }
      this.log(`pod ${namespace}/${name}: bound to ${this.nodeName}`);
      nodeName = this.nodeName;
    }
    if (nodeName !== this.nodeName) return;

    if (pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null) {
      if (entry.deleted === true) return;
      const graceSeconds = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await entry.runner?.terminate(Math.min(graceSeconds * 1000, this.maxGraceMs));
      try {
        await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } });
      } catch (error) {
        if (!isNotFound(error) && !isConflict(error)) throw error;
      }
      entry.deleted = true;
      this.log(`pod ${namespace}/${name}: terminated and deleted`);
      return;
    }
    if (entry.runner !== undefined) return;
    const phase = pod.status?.phase;
    if ((phase === 'Succeeded' || phase === 'Failed') && pod.spec?.restartPolicy !== 'Always') return;
    entry.runner = new PodRunner(pod, this.deps);
    entry.runner.start();
  }
}

/** Command line: run the agent until SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const cache = process.env['DATAFLOW_CACHE'] ?? join(process.env['HOME'] ?? '/root', '.cache/dataflow');
  const defaultRunDir = process.env['K8S_RUN'] ?? join(cache, 'run/k8s');
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      'run-dir': { type: 'string', default: defaultRunDir },
      'node-name': { type: 'string', default: DEFAULT_NODE_NAME },
      'label-selector': { type: 'string', default: WORKER_POD_SELECTOR },
      'path-mode': { type: 'string', default: 'auto' },
      runtime: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'node-agent.js [--kubeconfig FILE] [--run-dir DIR] [--node-name local-proc] [--label-selector SEL] [--path-mode auto|namespace|env] [--runtime process|podman]\n',
    );
    return;
  }
  const pathMode = values['path-mode'];
  if (pathMode !== 'auto' && pathMode !== 'namespace' && pathMode !== 'env') {
    throw new Error(`--path-mode must be auto, namespace or env, got "${pathMode}"`);
  }
  const runDir = values['run-dir'];
  const runtime = values.runtime ?? runtimeFromEnv();
  if (runtime !== 'process' && runtime !== 'podman') throw new Error(`--runtime must be process or podman, got "${runtime}"`);
  const agent = await NodeAgent.start({
    kubeconfig: values.kubeconfig ?? join(runDir, 'admin.kubeconfig'),
    runDir,
    nodeName: values['node-name'],
    labelSelector: values['label-selector'],
    pathMode,
    runtime,
    killChildrenOnSignals: false,
    log: (message) => process.stderr.write(`[node-agent] ${new Date().toISOString()} ${message}\n`),
  });
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`[node-agent] stop failed: ${describeError(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`node-agent: ${describeError(error)}\n`);
    process.exit(error instanceof NodeAgentRunningError ? 3 : 1);
  });
}
