// Container mode, one container: everything between the pod runner's resolved env and mounts and a
// ContainerRunner that runs the real image with podman — host ports for the declared ports (args
// and probes moved there), the image's user checked against runAsNonRoot, `podman run` arguments,
// and exec probes run inside the container with `podman exec`.
import type { V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import { declaredPorts, probedPort, remapPortArgs } from './host-ports.js';
import type { Mount } from './pod-command.js';
import { expandArgs } from './pod-env.js';
import { podmanRunArgs } from './podman-args.js';
import { imageUser } from './podman-cli.js';
import type { PodmanConfig } from './podman-cli.js';
import { PodmanLauncher } from './podman-launcher.js';

/** Label on every container the agent starts: `<label>=<node name>`. */
export const NODE_AGENT_LABEL = 'dataflow.io/node-agent';

export interface PodmanContainerInput {
  pod: V1Pod;
  container: V1Container;
  mounts: readonly Mount[];
  /** The container's resolved environment (the agent's port is added here). */
  env: Record<string, string>;
  /** A free host port, released by the caller when the pod stops. */
  allocatePort: () => Promise<number>;
  config: PodmanConfig;
  nodeName: string;
  resourceLimits: boolean;
}

export interface PodmanContainerPlan {
  launcher: PodmanLauncher;
  /** The host port the probes go to. */
  probePort: number;
  startupProbe?: V1Probe;
  readinessProbe?: V1Probe;
  livenessProbe?: V1Probe;
}

/** `k8s_<container>_<pod>_<namespace>_<uid prefix>`: unique, and readable in `podman ps`. */
export function podmanContainerName(pod: V1Pod, container: V1Container): string {
  const meta = pod.metadata ?? {};
  const raw = `k8s_${container.name}_${meta.name ?? ''}_${meta.namespace ?? 'default'}_${(meta.uid ?? '').slice(0, 8)}`;
  return raw.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

function inContainer(probe: V1Probe | undefined, config: PodmanConfig, name: string): V1Probe | undefined {
  if (probe?.exec?.command === undefined) return probe;
  return { ...probe, exec: { command: [config.binary, ...config.globalArgs, 'exec', name, ...probe.exec.command] } };
}

export async function planPodmanContainer(input: PodmanContainerInput): Promise<PodmanContainerPlan> {
  const { pod, container, config, env } = input;
  const image = container.image ?? '';
  const hostPorts = new Map<number, number>();
  for (const port of declaredPorts(container)) hostPorts.set(port, await input.allocatePort());
  const probed = probedPort(container);
  if (probed !== undefined && !hostPorts.has(probed)) hostPorts.set(probed, await input.allocatePort());
  const first = hostPorts.values().next();
  const probePort = probed !== undefined ? (hostPorts.get(probed) ?? 0) : first.done === true ? await input.allocatePort() : first.value;
  // As in process mode: the worker listens where the agent says, whatever the spec's port.
  env['DATAFLOW_HTTP_PORT'] = String(probePort);

  const name = podmanContainerName(pod, container);
  const run = podmanRunArgs({
    name,
    image,
    container,
    podSecurityContext: pod.spec?.securityContext,
    imageUser: await imageUser(config, image),
    mounts: input.mounts,
    env,
    command: remapPortArgs(expandArgs(container.command ?? [], env), hostPorts),
    args: remapPortArgs(expandArgs(container.args ?? [], env), hostPorts),
    labels: {
      [NODE_AGENT_LABEL]: input.nodeName,
      'io.kubernetes.pod.namespace': pod.metadata?.namespace ?? 'default',
      'io.kubernetes.pod.name': pod.metadata?.name ?? '',
      'io.kubernetes.pod.uid': pod.metadata?.uid ?? '',
      'io.kubernetes.container.name': container.name,
    },
    resourceLimits: input.resourceLimits,
  });
  const plan: PodmanContainerPlan = { launcher: new PodmanLauncher(config, { name, args: run.args, env: run.env }), probePort };
  const startup = inContainer(container.startupProbe, config, name);
  const readiness = inContainer(container.readinessProbe, config, name);
  const liveness = inContainer(container.livenessProbe, config, name);
  if (startup !== undefined) plan.startupProbe = startup;
  if (readiness !== undefined) plan.readinessProbe = readiness;
  if (liveness !== undefined) plan.livenessProbe = liveness;
  return plan;
}
