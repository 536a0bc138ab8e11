// The e2e tests' view of the test control plane (scripts/cluster/control-plane.sh): where its run
// dir and admin kubeconfig are, a requireService-style connection, the node agent (in-process unless
// one already serves the run dir) and throw-away namespaces.
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { isNotFound, loadKubeConfig } from './kube.js';
import { NodeAgent, NodeAgentRunningError, runningAgentPid } from './node-agent.js';
import type { NodeAgentOptions } from './node-agent.js';
import { podDirName } from './pod-runner.js';
import { requireService } from './require-service.js';
import { waitFor } from './wait.js';

/** $K8S_RUN, else ${DATAFLOW_CACHE:-~/.cache/dataflow}/run/k8s: what control-plane.sh uses. */
export function k8sRunDir(): string {
  const cache = process.env['DATAFLOW_CACHE'] ?? join(homedir(), '.cache', 'dataflow');
  return process.env['K8S_RUN'] ?? join(cache, 'run', 'k8s');
}

/** E2E_KUBECONFIG, else the control plane's admin kubeconfig. Never $KUBECONFIG: tests must not
 *  land on a developer's real cluster by accident. */
export function adminKubeconfigPath(): string {
  return process.env['E2E_KUBECONFIG'] ?? join(k8sRunDir(), 'admin.kubeconfig');
}

export interface TestCluster {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  runDir: string;
}

const START_HINT = 'make cluster-up (or scripts/cluster/control-plane.sh up)';

/** The control plane, or undefined after skipping the test (outside CI) when it is not running. */
export async function requireCluster(t: TestContext): Promise<TestCluster | undefined> {
  let cluster: TestCluster | undefined;
  const ok = await requireService(
    t,
    'the test Kubernetes control plane',
    async () => {
      const file = adminKubeconfigPath();
      await access(file).catch(() => {
        throw new Error(`no kubeconfig at ${file}`);
      });
      const kc = loadKubeConfig(file);
      const core = kc.makeApiClient(CoreV1Api);
      await core.listNamespace({ limit: 1 });
      cluster = { kc, core, apps: kc.makeApiClient(AppsV1Api), runDir: k8sRunDir() };
    },
    START_HINT,
  );
  return ok ? cluster : undefined;
}

export interface AgentHandle {
  /** The in-process agent, or undefined when another process's agent serves the run dir. */
  agent: NodeAgent | undefined;
  /** Where the agent keeps a pod's volumes and `<container>.log`. */
  podDir(pod: V1Pod): string;
  stop(): Promise<void>;
}

/** Starts a node agent in this process unless one already serves the run dir (then uses that one). */
export async function useNodeAgent(cluster: TestCluster, options: Partial<NodeAgentOptions> = {}): Promise<AgentHandle> {
  const external = (): AgentHandle => ({
    agent: undefined,
    podDir: (pod) => join(cluster.runDir, 'pods', podDirName(pod)),
    stop: () => Promise.resolve(),
  });
  if (runningAgentPid(cluster.runDir) !== undefined) return external();
  try {
    const agent = await NodeAgent.start({ kubeconfig: cluster.kc, runDir: cluster.runDir, ...options });
    return { agent, podDir: (pod) => agent.podDir(pod), stop: () => agent.stop() };
  } catch (error) {
    if (error instanceof NodeAgentRunningError) return external();
    throw error;
  }
}

/** Creates a namespace named `<prefix>-<random>`. */
export async function createTestNamespace(cluster: TestCluster, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await cluster.core.createNamespace({ body: { metadata: { name, labels: { 'dataflow.io/e2e': 'true' } } } });
  return name;
}

/** Deletes a namespace and waits until it is gone (the namespace controller empties it first). */
export async function deleteNamespace(cluster: TestCluster, name: string, timeoutMs = 30_000): Promise<void> {
  try {
    await cluster.core.deleteNamespace({ name });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  await waitFor(
    `namespace ${name} to be deleted`,
    async () => {
      try {
        await cluster.core.readNamespace({ name });
        return false;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
    },
    { timeoutMs },
  );
}

/** True when the pod's Ready condition is True. */
export function podReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
