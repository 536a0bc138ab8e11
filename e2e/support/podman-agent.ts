// For the container-mode specs: the project's images (localhost/dataflow-{worker,controller}:<version>,
// built by `make images` into the private store), a check that podman and the images are there
// (a failure under CI=true, a skip otherwise), a node agent in podman mode on its own Node and run
// dir, and the containers podman still has for a pod.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { TestCluster } from './cluster.js';
import { NodeAgent, repoRoot } from './node-agent.js';
import type { NodeAgentOptions } from './node-agent.js';
import { checkPodman, imageUser, podman, podmanConfigFromEnv } from './podman-cli.js';
import type { PodmanConfig } from './podman-cli.js';
import { requireService } from './require-service.js';

const BUILD_HINT = 'scripts/images/ensure-tools.sh && make images';

/** The release version both images are tagged with (packages/controller/package.json). */
export async function imageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot(), 'packages/controller/package.json'), 'utf8')) as { version?: string };
  if (pkg.version === undefined) throw new Error('packages/controller/package.json has no version');
  return pkg.version;
}

export interface ProjectImages {
  worker: string;
  controller: string;
}

/** localhost/dataflow-worker:<version> and …-controller (DATAFLOW_E2E_WORKER_IMAGE / …_CONTROLLER_IMAGE override). */
export async function projectImages(): Promise<ProjectImages> {
  const version = await imageVersion();
  return {
    worker: process.env['DATAFLOW_E2E_WORKER_IMAGE'] ?? `localhost/dataflow-worker:${version}`,
    controller: process.env['DATAFLOW_E2E_CONTROLLER_IMAGE'] ?? `localhost/dataflow-controller:${version}`,
  };
}

/** True when podman works and every image is in local storage; else skip (fail under CI=true). */
export async function requireImages(t: TestContext, images: readonly string[], config: PodmanConfig = podmanConfigFromEnv()): Promise<boolean> {
  return requireService(
    t,
    `podman with the images ${images.join(', ')}`,
    async () => {
      await checkPodman(config);
      for (const image of images) await imageUser(config, image);
    },
    BUILD_HINT,
  );
}

/** The image's entrypoint (e.g. ["/nodejs/bin/node", "/app/main.js"]). */
export async function imageEntrypoint(image: string, config: PodmanConfig = podmanConfigFromEnv()): Promise<string[]> {
  const result = await podman(config, ['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', image]);
  if (result.code !== 0) throw new Error(`podman image inspect ${image}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as string[] | null) ?? [];
}

/** Names of the containers podman has (running or not) for the pod with this uid. */
export async function podContainers(podUid: string, config: PodmanConfig = podmanConfigFromEnv()): Promise<string[]> {
  const result = await podman(config, ['ps', '-a', '--filter', `label=io.kubernetes.pod.uid=${podUid}`, '--format', '{{.Names}}']);
  if (result.code !== 0) throw new Error(`podman ps: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

export interface PodmanAgent {
  agent: NodeAgent;
  /** Stops the agent, deletes its Node and run dir (after the test's namespaces are gone). */
  stop(): Promise<void>;
}

/**
 * A node agent in podman mode with its own Node and run dir. It binds only pods whose nodeSelector
 * names its node (or that name it in spec.nodeName), never the shared agent's.
 */
export async function startPodmanAgent(cluster: TestCluster, nodeName: string, options: Partial<NodeAgentOptions> = {}): Promise<PodmanAgent> {
  const runDir = await mkdtemp(join(tmpdir(), 'dataflow-podman-agent-'));
  const agent = await NodeAgent.start({ kubeconfig: cluster.kc, runDir, nodeName, runtime: 'podman', bindUnselectedPods: false, ...options });
  return {
    agent,
    stop: async () => {
      await agent.stop();
      await cluster.core.deleteNode({ name: nodeName }).catch(() => undefined);
      await rm(runDir, { recursive: true, force: true });
    },
  };
}
