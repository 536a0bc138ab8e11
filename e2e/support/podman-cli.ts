// How the agent calls podman: the binary, the global options (runtime runc, cgroupfs, file events,
// an optional private storage) and podman's own environment (CONTAINERS_CONF), all taken from the
// environment so that the agent uses the storage the images were built into
// (scripts/images/; test-env.md §11). Plus the few queries the agent needs.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PodConfigError } from './pod-fields.js';

export interface PodmanConfig {
  binary: string;
  /** Options before the subcommand, e.g. --runtime runc --root DIR. */
  globalArgs: string[];
  /** podman's environment (PATH, HOME, CONTAINERS_CONF, …). */
  env: Record<string, string>;
}

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The project's private container settings and store (scripts/images/lib.sh), when present. */
function projectContainersDir(env: NodeJS.ProcessEnv): string {
  return join(env['DATAFLOW_CACHE'] ?? join(env['HOME'] ?? homedir(), '.cache', 'dataflow'), 'containers');
}

/**
 * DATAFLOW_PODMAN (binary, default podman), DATAFLOW_PODMAN_RUNTIME (default runc: crun fails on
 * hybrid cgroups), DATAFLOW_PODMAN_ROOT / DATAFLOW_PODMAN_RUNROOT (storage), CONTAINERS_CONF and
 * CONTAINERS_STORAGE_CONF — by default the files scripts/images/ensure-tools.sh writes under
 * $DATAFLOW_CACHE/containers/, i.e. the store `make images` builds into.
 */
export function podmanConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PodmanConfig {
  const globalArgs = ['--runtime', env['DATAFLOW_PODMAN_RUNTIME'] ?? 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const root = env['DATAFLOW_PODMAN_ROOT'];
  const runroot = env['DATAFLOW_PODMAN_RUNROOT'];
  if (root !== undefined && root !== '') globalArgs.push('--root', root);
  if (runroot !== undefined && runroot !== '') globalArgs.push('--runroot', runroot);
  const own: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'CONTAINERS_CONF', 'CONTAINERS_STORAGE_CONF', 'XDG_RUNTIME_DIR']) {
    const value = env[name];
    if (value !== undefined) own[name] = value;
  }
  const dir = projectContainersDir(env);
  for (const [name, file] of [
    ['CONTAINERS_CONF', 'containers.conf'],
    ['CONTAINERS_STORAGE_CONF', 'storage.conf'],
  ] as const) {
    if (own[name] === undefined && existsSync(join(dir, file))) own[name] = join(dir, file);
  }
  return { binary: env['DATAFLOW_PODMAN'] ?? 'podman', globalArgs, env: own };
}

/** Runs `podman <global options> <args>`; a non-zero exit is returned, not thrown. */
export function podman(config: PodmanConfig, args: readonly string[], timeoutMs = 60_000): Promise<PodmanResult> {
  return new Promise((resolve) => {
    execFile(config.binary, [...config.globalArgs, ...args], { env: config.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
    });
  });
}

/** Throws with podman's message unless `podman version` works. */
export async function checkPodman(config: PodmanConfig): Promise<string> {
  const result = await podman(config, ['version', '--format', '{{.Client.Version}}'], 20_000);
  if (result.code !== 0) throw new Error(`podman is not usable (${config.binary} ${config.globalArgs.join(' ')}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** The image's configured user ('' = root). PodConfigError when the image is not in local storage. */
export async function imageUser(config: PodmanConfig, image: string): Promise<string> {
  const result = await podman(config, ['image', 'inspect', '--format', '{{.Config.User}}', image], 30_000);
  if (result.code !== 0) {
    throw new PodConfigError(`image "${image}" is not in the local podman storage (nothing is pulled; build it with make images): ${result.stderr.trim()}`);
  }
  return result.stdout.trim();
}

/** Removes (forcibly) every container carrying the label, e.g. leftovers of an agent that died. */
export async function removeLabelled(config: PodmanConfig, label: string): Promise<string[]> {
  const listed = await podman(config, ['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}']);
  const names = listed.stdout.split('\n').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length > 0) await podman(config, ['rm', '-f', '-t', '0', ...names]);
  return names;
}
