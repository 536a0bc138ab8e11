// From a pod's container spec to the arguments of `podman run` (pure, no I/O): the user and groups
// from the pod's and the container's securityContext (runAsNonRoot checked against the image's
// user, as the kubelet does), a read-only root file system with no hidden tmpfs, no privilege
// escalation, capabilities, seccomp, memory and CPU limits, host networking, bind mounts of the
// volume directories, the environment (values passed through podman's own environment, so no secret
// appears on a command line), the working directory, and `command` → entrypoint, `args` → after
// the image.
import type { V1Container, V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { PodConfigError } from './pod-fields.js';

/** A volume directory (or file) on the host and where the container sees it. */
export interface BindMount {
  mountPath: string;
  source: string;
  readOnly: boolean;
}

export interface PodmanRunInput {
  /** `--name`; unique per pod and container. */
  name: string;
  image: string;
  container: V1Container;
  podSecurityContext?: V1PodSecurityContext | undefined;
  /** The image's configured user (`podman image inspect --format '{{.Config.User}}'`); '' is root. */
  imageUser: string;
  mounts: readonly BindMount[];
  /** The container's resolved environment. */
  env: Readonly<Record<string, string>>;
  /** The container's command and args, `$(VAR)` already expanded. */
  command: readonly string[];
  args: readonly string[];
  labels?: Readonly<Record<string, string>>;
  /** Extra `podman run` options placed before the image (e.g. --ulimit). */
  extraOptions?: readonly string[];
  /** Apply resources.limits (memory, cpu) as --memory/--cpus (default true). */
  resourceLimits?: boolean;
}

export interface PodmanRun {
  /** Arguments after `podman [global options]`, starting with `run`. */
  args: string[];
  /** Environment of the podman process: the values of the `-e NAME` options. */
  env: Record<string, string>;
}

/**
 * Variables podman itself reads from its environment: these are passed as `-e NAME=VALUE`
 * (visible on the command line) instead of by name, so podman keeps its own.
 */
const PODMAN_OWN_ENV = /^(PATH|HOME|TMPDIR|TZ|LANG|LC_[A-Z_]+|CONTAINERS_[A-Z_]*|XDG_[A-Z_]+|BUILDAH_[A-Z_]*|PODMAN_[A-Z_]*|STORAGE_[A-Z_]*|REGISTRY_AUTH_FILE|DOCKER_[A-Z_]*)$/;
/** Environment variable names podman can take by name (`-e NAME`): no `=`, no glob characters. */
const PLAIN_ENV_NAME = /^[^=*?[\]\s]+$/;

interface UserChoice {
  uid: number | undefined;
  gid: number | undefined;
}

const uidField = (value: number | undefined, field: string): number | undefined => {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new PodConfigError(`${field} must be a non-negative integer, got ${String(value)}`);
  return value;
};

/** The image's user as uid/gid when numeric ("10001", "10001:10001"); names stay undefined. */
function parseImageUser(imageUser: string): { uid: number | undefined; gid: number | undefined; named: boolean } {
  if (imageUser.trim() === '') return { uid: 0, gid: undefined, named: false };
  const [user = '', group] = imageUser.trim().split(':');
  const numeric = (text: string | undefined): number | undefined => (text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined);
  const uid = numeric(user);
  return { uid, gid: numeric(group), named: uid === undefined };
}

/** --user and --group-add from runAsUser/runAsGroup (container over pod), fsGroup and supplementalGroups. */
function userOptions(input: PodmanRunInput, sc: V1SecurityContext | undefined, psc: V1PodSecurityContext | undefined): string[] {
  const where = `container "${input.container.name}"`;
  const chosen: UserChoice = {
    uid: uidField(sc?.runAsUser ?? psc?.runAsUser, `${where} securityContext.runAsUser`),
    gid: uidField(sc?.runAsGroup ?? psc?.runAsGroup, `${where} securityContext.runAsGroup`),
  };
  const image = parseImageUser(input.imageUser);
  const runAsNonRoot = sc?.runAsNonRoot ?? psc?.runAsNonRoot ?? false;
  if (runAsNonRoot) {
    if (chosen.uid === undefined && image.named) {
      throw new PodConfigError(`${where}: image ${input.image} has a non-numeric user (${input.imageUser}), cannot verify that it is non-root (runAsNonRoot)`);
    }
    if ((chosen.uid ?? image.uid) === 0) {
      throw new PodConfigError(`${where}: runAsNonRoot is set and the container would run as root (image ${input.image}, user "${input.imageUser}")`);
    }
  }
  const options: string[] = [];
  if (chosen.uid !== undefined || chosen.gid !== undefined) {
    const user = chosen.uid !== undefined ? String(chosen.uid) : (input.imageUser.split(':')[0] ?? '') || '0';
    const group = chosen.gid ?? (chosen.uid !== undefined ? image.gid : undefined);
    options.push('--user', group === undefined ? user : `${user}:${group}`);
  }
  const groups = new Set<number>();
  const fsGroup = uidField(psc?.fsGroup, 'pod securityContext.fsGroup');
  if (fsGroup !== undefined) groups.add(fsGroup);
  for (const g of psc?.supplementalGroups ?? []) groups.add(uidField(g, 'pod securityContext.supplementalGroups') ?? 0);
  for (const g of groups) options.push('--group-add', String(g));
  return options;
}

const capability = (name: string): string => {
  const upper = name.toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
};

function securityOptions(input: PodmanRunInput, sc: V1SecurityContext | undefined, psc: V1PodSecurityContext | undefined): string[] {
  const where = `container "${input.container.name}"`;
  const options: string[] = [];
  if (sc?.privileged === true) options.push('--privileged');
  // Kubernetes mounts nothing writable for a read-only root: no tmpfs on /tmp, /run, /var/tmp.
  if (sc?.readOnlyRootFilesystem === true) options.push('--read-only', '--read-only-tmpfs=false');
  if (sc?.allowPrivilegeEscalation === false) options.push('--security-opt', 'no-new-privileges');
  for (const cap of sc?.capabilities?.drop ?? []) options.push('--cap-drop', capability(cap));
  for (const cap of sc?.capabilities?.add ?? []) options.push('--cap-add', capability(cap));
  const seccomp = sc?.seccompProfile ?? psc?.seccompProfile;
  // RuntimeDefault, and no profile at all, get podman's default profile (the runtime default).
  if (seccomp?.type === 'Unconfined') options.push('--security-opt', 'seccomp=unconfined');
  else if (seccomp !== undefined && seccomp.type !== 'RuntimeDefault') {
    throw new PodConfigError(`${where}: seccompProfile type "${seccomp.type}" is not supported by the test node agent (RuntimeDefault or Unconfined)`);
  }
  return options;
}

const BINARY_SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL_SUFFIXES: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A Kubernetes memory quantity ("512Mi", "1G", "1e9", "268435456") in bytes. */
export function memoryBytes(quantity: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?(?:[eE]\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  const suffix = match?.[2] ?? '';
  const factor = BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix];
  if (match === null || factor === undefined) throw new PodConfigError(`${field}: "${quantity}" is not a memory quantity (e.g. 512Mi)`);
  return Math.ceil(Number(match[1]) * factor);
}

/** A Kubernetes CPU quantity ("500m", "2", "0.5") in CPUs. */
export function cpuCount(quantity: string, field: string): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity.trim());
  if (match === null) throw new PodConfigError(`${field}: "${quantity}" is not a CPU quantity (e.g. 500m)`);
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

function resourceOptions(container: V1Container): string[] {
  const limits = container.resources?.limits ?? {};
  const options: string[] = [];
  const memory = limits['memory'];
  if (memory !== undefined) options.push('--memory', String(memoryBytes(String(memory), `container "${container.name}" resources.limits.memory`)));
  const cpu = limits['cpu'];
  if (cpu !== undefined) options.push('--cpus', String(cpuCount(String(cpu), `container "${container.name}" resources.limits.cpu`)));
  return options;
}

function mountOptions(input: PodmanRunInput): string[] {
  return input.mounts.flatMap((m) => {
    // -v splits on ':', so neither path may contain one.
    for (const path of [m.source, m.mountPath]) {
      if (path.includes(':')) throw new PodConfigError(`container "${input.container.name}" volumeMount ${m.mountPath}: the path "${path}" contains ':'`);
    }
    return ['-v', `${m.source}:${m.mountPath}${m.readOnly ? ':ro' : ''}`];
  });
}

function envOptions(env: Readonly<Record<string, string>>): PodmanRun {
  const args: string[] = [];
  const byName: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (PLAIN_ENV_NAME.test(name) && !PODMAN_OWN_ENV.test(name)) {
      args.push('-e', name);
      byName[name] = value;
    } else {
      args.push('-e', `${name}=${value}`);
    }
  }
  return { args, env: byName };
}

/** `podman run` arguments for one container of a pod (see the file comment). */
export function podmanRunArgs(input: PodmanRunInput): PodmanRun {
  const { container } = input;
  const sc = container.securityContext;
  const psc = input.podSecurityContext;
  const env = envOptions(input.env);
  const args = [
    'run',
    '--name',
    input.name,
    // a leftover container of the same name (agent killed) is removed first
    '--replace',
    '--rm',
    '--pull',
    'never',
    // probes and the services on 127.0.0.1 need the host's loopback
    '--network',
    'host',
    ...Object.entries(input.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ...userOptions(input, sc, psc),
    ...securityOptions(input, sc, psc),
    ...((input.resourceLimits ?? true) ? resourceOptions(container) : []),
    ...mountOptions(input),
    ...env.args,
    ...(container.workingDir !== undefined && container.workingDir !== '' ? ['--workdir', container.workingDir] : []),
    ...(input.command.length > 0 ? ['--entrypoint', JSON.stringify(input.command)] : []),
    ...(input.extraOptions ?? []),
    input.image,
    ...input.args,
  ];
  return { args, env: env.env };
}
