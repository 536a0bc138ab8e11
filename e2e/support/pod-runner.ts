// Everything the agent does for one bound pod: service-account token, volumes, env, argv, one
// ContainerRunner per container, and the pod status patches. Problems with the pod's configuration
// (missing ConfigMap, unknown ServiceAccount, unmapped image) show as
// `CreateContainerConfigError` and are retried every 2 s, as the kubelet does.
import { chmod, chown, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Api, V1Container, V1Pod, V1Probe } from '@kubernetes/client-node';
import { ContainerRunner } from './container-runner.js';
import type { BackoffOptions, ContainerSnapshot, RestartPolicy, TerminatedState } from './container-runner.js';
import type { PortAllocator } from './free-port.js';
import { MERGE_PATCH, describeError, isConflict, isNotFound } from './kube.js';
import type { MountPoints } from './mount-namespace.js';
import { wrapWithMounts } from './mount-namespace.js';
import { PathMap, containerArgv, containerMounts, rewriteMountedPaths } from './pod-command.js';
import type { ImageMapping, Mount } from './pod-command.js';
import { resolveContainerEnv } from './pod-env.js';
import { PodConfigError } from './pod-fields.js';
import type { PodAddresses } from './pod-fields.js';
import { PodStatusBuilder } from './pod-status.js';
import { materializeVolumes } from './pod-volumes.js';
import type { PodmanConfig } from './podman-cli.js';
import { planPodmanContainer } from './podman-container.js';
import { ProcessLauncher } from './process-launcher.js';
import { apiReferencedObjects } from './referenced-objects.js';
import { requestServiceAccountToken } from './service-account-token.js';
import { applyVolumeOwnership, podRunAsOwner } from './volume-ownership.js';

/** Where in-cluster clients look for the service-account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const POD_IP = '127.0.0.1';
const CONFIG_RETRY_MS = 2000;

/** How mounted paths reach the process: real paths in a mount namespace, or env + argv rewriting. */
export type PathMode = 'namespace' | 'env';

/** What runs a container: a local process (mapped from the image), or the image itself with podman. */
export type ContainerRuntime = { kind: 'process' } | { kind: 'podman'; config: PodmanConfig; resourceLimits: boolean };

export interface PodRunnerDeps {
  core: CoreV1Api;
  nodeName: string;
  /** <run dir>/pods */
  podsDir: string;
  /** PEM of the apiserver's CA, handed to pods as ca.crt. */
  caPem: string;
  apiServer: { host: string; port: number };
  images: readonly ImageMapping[];
  runtime: ContainerRuntime;
  pathMode: PathMode;
  mountPoints: MountPoints;
  ports: PortAllocator;
  backoff: BackoffOptions;
  probeCapMs: number;
  log: (message: string) => void;
}

/** `<ns>_<name>_<uid>`: the pod's directory name under <run dir>/pods. */
export function podDirName(pod: V1Pod): string {
  const meta = pod.metadata ?? {};
  return `${meta.namespace ?? 'default'}_${meta.name ?? ''}_${meta.uid ?? ''}`;
}

const rewriteProbe = (probe: V1Probe | undefined, paths: PathMap): V1Probe | undefined =>
  probe?.exec?.command === undefined ? probe : { ...probe, exec: { command: rewriteMountedPaths(probe.exec.command, paths) } };

export class PodRunner {
  readonly dir: string;
  private readonly deps: PodRunnerDeps;
  private readonly pod: V1Pod;
  private readonly key: string;
  private readonly status: PodStatusBuilder;
  private runners: ContainerRunner[] = [];
  private ports: number[] = [];
  private stopped = false;
  private readonly stopSignal = new AbortController();
  private pendingSnapshots: ContainerSnapshot[] | undefined;
  private tokenTimer: NodeJS.Timeout | undefined;
  private publishing = false;
  private publishAgain = false;

  constructor(pod: V1Pod, deps: PodRunnerDeps) {
    this.pod = pod;
    this.deps = deps;
    this.dir = join(deps.podsDir, podDirName(pod));
    this.key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    this.status = new PodStatusBuilder(POD_IP, (pod.spec?.restartPolicy ?? 'Always') as RestartPolicy);
  }

  /** Prepares and starts the containers in the background (retrying configuration errors). */
  start(): void {
    void this.startWhenConfigured();
  }

  /** Stops every container (SIGTERM, SIGKILL after graceMs) and removes the pod's secrets. */
  async terminate(graceMs: number): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer);
    await Promise.all(this.runners.map((r) => r.stop(graceMs)));
    for (const port of this.ports) this.deps.ports.release(port);
    this.ports = [];
    // Logs stay for the tests to read; token and Secret files do not.
    await rm(join(this.dir, 'vol'), { recursive: true, force: true });
    await rm(join(this.dir, 'serviceaccount'), { recursive: true, force: true });
  }

  /** SIGKILL every container now (the agent's process is exiting). */
  killNow(): void {
    this.stopped = true;
    for (const r of this.runners) r.killNow();
  }

  private async startWhenConfigured(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.prepareAndStart();
        return;
      } catch (error) {
        if (this.stopped) return;
        const configError = error instanceof PodConfigError;
        const message = configError ? error.message : describeError(error);
        this.deps.log(`pod ${this.key}: cannot start yet: ${message}`);
        await this.killStarted();
        this.pendingSnapshots = this.waitingSnapshots(configError ? 'CreateContainerConfigError' : 'CreateContainerError', message);
        this.publish();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, CONFIG_RETRY_MS);
          this.stopSignal.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
    }
  }

  private async killStarted(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop(0)));
    this.runners = [];
    for (const port of this.ports) this.deps.ports.release(port);
    this.ports = [];
  }

  private waitingSnapshots(reason: string, message: string): ContainerSnapshot[] {
    return (this.pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason, message } },
      lastState: {},
    }));
  }

  private addresses(): PodAddresses {
    return { podIP: POD_IP, hostIP: POD_IP, nodeName: this.deps.nodeName };
  }

  /** token, ca.crt and namespace in <podDir>/serviceaccount/, the token renewed at 80 % of its life. */
  private async writeServiceAccountFiles(): Promise<string | undefined> {
    const spec = this.pod.spec ?? { containers: [] };
    if (spec.automountServiceAccountToken === false) return undefined;
    const namespace = this.pod.metadata?.namespace ?? 'default';
    const account = spec.serviceAccountName ?? spec.serviceAccount ?? 'default';
    const dir = join(this.dir, 'serviceaccount');
    await mkdir(dir, { recursive: true });
    // A container runs as its own user: the token is that user's (as the kubelet does with
    // runAsUser), or readable by all when the user is the image's.
    const containers = this.deps.runtime.kind === 'podman';
    const owner = containers ? podRunAsOwner(this.pod) : undefined;
    const renew = async (): Promise<void> => {
      const issued = await requestServiceAccountToken(this.deps.core, namespace, account);
      await writeFile(join(dir, 'token.tmp'), issued.token, { mode: 0o600 });
      if (owner !== undefined) await chown(join(dir, 'token.tmp'), owner.uid, owner.gid);
      else if (containers) await chmod(join(dir, 'token.tmp'), 0o644);
      await rename(join(dir, 'token.tmp'), join(dir, 'token'));
      const lifeMs = Math.max(60_000, issued.expiresAt.getTime() - Date.now());
      this.tokenTimer = setTimeout(() => {
        renew().catch((error: unknown) => this.deps.log(`pod ${this.key}: token renewal failed: ${describeError(error)}`));
      }, lifeMs * 0.8);
      this.tokenTimer.unref();
    };
    await renew();
    await writeFile(join(dir, 'ca.crt'), this.deps.caPem);
    await writeFile(join(dir, 'namespace'), namespace);
    return dir;
  }

  private async prepareAndStart(): Promise<void> {
    const pod = this.pod;
    const spec = pod.spec;
    if (spec === undefined || spec.containers.length === 0) throw new PodConfigError('pod has no containers');
    if ((spec.initContainers ?? []).length > 0) throw new PodConfigError('initContainers are not supported by the test node agent');
    const namespace = pod.metadata?.namespace ?? 'default';
    await mkdir(join(this.dir, 'home'), { recursive: true });
    const objects = apiReferencedObjects(this.deps.core, namespace);
    const saDir = await this.writeServiceAccountFiles();
    const volumes = await materializeVolumes(pod, this.dir, {
      objects,
      addresses: this.addresses(),
      serviceAccountToken: async (audience, expirationSeconds) =>
        (await requestServiceAccountToken(this.deps.core, namespace, spec.serviceAccountName ?? 'default', audience, expirationSeconds)).token,
    });
    if (this.deps.runtime.kind === 'podman') await applyVolumeOwnership(pod, volumes);
    const runners: ContainerRunner[] = [];
    for (const container of spec.containers) {
      runners.push(await this.containerRunner(container, volumes, objects, saDir));
    }
    if (this.stopped) {
      // terminate() ran meanwhile and released nothing of this attempt.
      for (const port of this.ports) this.deps.ports.release(port);
      this.ports = [];
      return;
    }
    this.runners = runners;
    this.pendingSnapshots = undefined;
    for (const runner of runners) runner.start();
    const how = this.deps.runtime.kind === 'podman' ? 'podman' : `${this.deps.pathMode} paths`;
    this.deps.log(`pod ${this.key}: started ${runners.length} container(s) (${how})`);
  }

  private async containerRunner(
    container: V1Container,
    volumes: Map<string, string>,
    objects: ReturnType<typeof apiReferencedObjects>,
    saDir: string | undefined,
  ): Promise<ContainerRunner> {
    const mounts: Mount[] = containerMounts(container, volumes);
    if (saDir !== undefined && !mounts.some((m) => m.mountPath === SERVICE_ACCOUNT_DIR)) {
      mounts.push({ mountPath: SERVICE_ACCOUNT_DIR, source: saDir, readOnly: true });
    }
    const paths = new PathMap(mounts);
    const { host, port: apiPort } = this.deps.apiServer;
    const serviceEnv = {
      KUBERNETES_SERVICE_HOST: host,
      KUBERNETES_SERVICE_PORT: String(apiPort),
      KUBERNETES_SERVICE_PORT_HTTPS: String(apiPort),
    };
    const runtime = this.deps.runtime;
    if (runtime.kind === 'podman') {
      // The image brings its own PATH and HOME; the mounts are real.
      const env = await resolveContainerEnv(this.pod, container, objects, this.addresses(), { HOSTNAME: this.pod.metadata?.name ?? '', ...serviceEnv });
      const plan = await planPodmanContainer({
        pod: this.pod,
        container,
        mounts,
        env,
        allocatePort: async () => {
          const allocated = await this.deps.ports.allocate();
          this.ports.push(allocated);
          return allocated;
        },
        config: runtime.config,
        nodeName: this.deps.nodeName,
        resourceLimits: runtime.resourceLimits,
      });
      return new ContainerRunner({
        name: container.name,
        image: container.image ?? '',
        launcher: plan.launcher,
        env: runtime.config.env,
        cwd: this.dir,
        logFile: join(this.dir, `${container.name}.log`),
        port: plan.probePort,
        restartPolicy: (this.pod.spec?.restartPolicy ?? 'Always') as RestartPolicy,
        ...(plan.startupProbe === undefined ? {} : { startupProbe: plan.startupProbe }),
        ...(plan.readinessProbe === undefined ? {} : { readinessProbe: plan.readinessProbe }),
        ...(plan.livenessProbe === undefined ? {} : { livenessProbe: plan.livenessProbe }),
        backoff: this.deps.backoff,
        probeCapMs: this.deps.probeCapMs,
        onChange: () => this.publish(),
        onExit: (ended) => this.logExit(container.name, ended),
      });
    }
    const port = await this.deps.ports.allocate();
    this.ports.push(port);
    const base = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(this.dir, 'home'), HOSTNAME: this.pod.metadata?.name ?? '', ...serviceEnv };
    const env = await resolveContainerEnv(this.pod, container, objects, this.addresses(), base);
    // The agent's port wins over anything in the spec: two pods on one port would collide.
    env['DATAFLOW_HTTP_PORT'] = String(port);
    let argv = containerArgv(container, env, this.deps.images);
    if (this.deps.pathMode === 'env') {
      argv = rewriteMountedPaths(argv, paths);
      env['DATAFLOW_PATH_MAP'] = JSON.stringify(paths.toJSON());
      if (saDir !== undefined) {
        env['DATAFLOW_SA_TOKEN_FILE'] = join(saDir, 'token');
        env['DATAFLOW_SA_CA_FILE'] = join(saDir, 'ca.crt');
        env['DATAFLOW_SA_NAMESPACE_FILE'] = join(saDir, 'namespace');
      }
    } else {
      const isFile = await this.deps.mountPoints.prepare(mounts);
      argv = wrapWithMounts(argv, mounts, isFile, [process.execPath, this.dir]);
    }
    // The process starts outside any mount namespace, so the working directory is the local
    // path behind a mount, or a private directory in the pod dir standing in for the image's.
    const workingDir = container.workingDir;
    let cwd = this.dir;
    if (workingDir !== undefined && workingDir !== '') {
      cwd = paths.translate(workingDir) ?? join(this.dir, 'root', workingDir);
      await mkdir(cwd, { recursive: true });
    }
    const runner = new ContainerRunner({
      name: container.name,
      image: container.image ?? '',
      launcher: new ProcessLauncher({ argv, env, cwd }),
      env,
      cwd,
      logFile: join(this.dir, `${container.name}.log`),
      port,
      restartPolicy: (this.pod.spec?.restartPolicy ?? 'Always') as RestartPolicy,
      ...(container.startupProbe === undefined ? {} : { startupProbe: rewriteProbe(container.startupProbe, paths) as V1Probe }),
      ...(container.readinessProbe === undefined ? {} : { readinessProbe: rewriteProbe(container.readinessProbe, paths) as V1Probe }),
      ...(container.livenessProbe === undefined ? {} : { livenessProbe: rewriteProbe(container.livenessProbe, paths) as V1Probe }),
      backoff: this.deps.backoff,
      probeCapMs: this.deps.probeCapMs,
      onChange: () => this.publish(),
      onExit: (ended) => this.logExit(container.name, ended),
    });
    return runner;
  }

  private logExit(container: string, ended: TerminatedState): void {
    this.deps.log(`pod ${this.key}: container ${container} exited with code ${ended.exitCode} (${ended.reason})`);
  }

  private snapshots(): ContainerSnapshot[] {
    return this.pendingSnapshots ?? this.runners.map((r) => r.snapshot());
  }

  /** Sends the current status; changes while a patch is in flight are sent right after it. */
  private publish(): void {
    if (this.publishing) {
      this.publishAgain = true;
      return;
    }
    this.publishing = true;
    void this.sendStatus().finally(() => {
      this.publishing = false;
      if (this.publishAgain && !this.stopped) {
        this.publishAgain = false;
        this.publish();
      }
    });
  }

  private async sendStatus(): Promise<void> {
    const name = this.pod.metadata?.name ?? '';
    const namespace = this.pod.metadata?.namespace ?? 'default';
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt += 1) {
      try {
        // metadata.uid makes the patch fail instead of touching a newer pod of the same name.
        const body = { metadata: { uid: this.pod.metadata?.uid }, ...this.status.build(this.snapshots()) };
        await this.deps.core.patchNamespacedPodStatus({ name, namespace, body }, MERGE_PATCH);
        return;
      } catch (error) {
        if (isNotFound(error) || isConflict(error)) return;
        this.deps.log(`pod ${this.key}: status patch failed (attempt ${attempt + 1}): ${describeError(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
      }
    }
  }
}
