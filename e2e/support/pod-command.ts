// From a container spec to a local argv: images map to local entrypoints, `command` replaces the
// entrypoint and `args` follow it (kubelet semantics), volume mounts map in-pod paths to local ones.
import { isAbsolute, join, normalize, posix } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import { expandArgs } from './pod-env.js';
import { PodConfigError } from './pod-fields.js';
import type { VolumeDirs } from './pod-volumes.js';

/** How containers of an image run locally. */
export interface ImageMapping {
  /** Matches every image whose name contains this string (e.g. `dataflow-worker`). */
  match: string;
  /** The image's entrypoint as local argv (used when the container sets no `command`). */
  entrypoint: string[];
  /** In-image executables a `command` may name, mapped to local argv (e.g. `dataflow-worker`). */
  commands?: Record<string, string[]>;
}

/** The worker image runs the worker built in this repository with the current Node. */
export function defaultImageMappings(repoRoot: string): ImageMapping[] {
  const worker = [process.execPath, join(repoRoot, 'packages/worker/dist/main.js')];
  return [{ match: 'dataflow-worker', entrypoint: worker, commands: { 'dataflow-worker': worker } }];
}

/** One volumeMount resolved to the local path that backs it. */
export interface Mount {
  mountPath: string;
  source: string;
  readOnly: boolean;
}

export function containerMounts(container: V1Container, volumes: VolumeDirs): Mount[] {
  return (container.volumeMounts ?? []).map((mount) => {
    const base = volumes.get(mount.name);
    if (base === undefined) {
      throw new PodConfigError(`container "${container.name}" volumeMount ${mount.mountPath}: no volume named "${mount.name}"`);
    }
    if (!posix.isAbsolute(mount.mountPath)) {
      throw new PodConfigError(`container "${container.name}" volumeMount "${mount.mountPath}" must be an absolute path`);
    }
    if (mount.subPathExpr !== undefined) {
      throw new PodConfigError(`container "${container.name}" volumeMount ${mount.mountPath}: subPathExpr is not supported by the test node agent`);
    }
    const sub = mount.subPath ?? '';
    if (isAbsolute(sub) || normalize(sub).startsWith('..')) {
      throw new PodConfigError(`container "${container.name}" volumeMount ${mount.mountPath}: subPath "${sub}" must stay inside the volume`);
    }
    const mountPath = posix.normalize(mount.mountPath).replace(/(.)\/+$/, '$1');
    return { mountPath, source: sub === '' ? base : join(base, sub), readOnly: mount.readOnly === true };
  });
}

/** In-pod path → local path, by the longest mountPath that contains it. */
export class PathMap {
  private readonly entries: [string, string][];

  constructor(mounts: readonly Pick<Mount, 'mountPath' | 'source'>[]) {
    this.entries = mounts.map((m): [string, string] => [m.mountPath, m.source]).sort((a, b) => b[0].length - a[0].length);
  }

  /** The local path of an in-pod absolute path, or undefined when no mount contains it. */
  translate(path: string): string | undefined {
    for (const [mountPath, source] of this.entries) {
      if (path === mountPath) return source;
      const prefix = mountPath.endsWith('/') ? mountPath : `${mountPath}/`;
      if (path.startsWith(prefix)) return join(source, path.slice(prefix.length));
    }
    return undefined;
  }

  /** `{ "<mountPath>": "<local path>" }`: the DATAFLOW_PATH_MAP contract. */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.entries);
  }
}

/** Rewrites arguments that are a mounted path, or `--flag=<mounted path>`, to the local path. */
export function rewriteMountedPaths(args: readonly string[], paths: PathMap): string[] {
  return args.map((arg) => {
    if (arg.startsWith('/')) return paths.translate(arg) ?? arg;
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && arg[eq + 1] === '/') {
      const local = paths.translate(arg.slice(eq + 1));
      if (local !== undefined) return `${arg.slice(0, eq + 1)}${local}`;
    }
    return arg;
  });
}

/**
 * The argv of a container: `command` (mapped through the image's `commands`) replaces the image
 * entrypoint, `args` are appended, `$(VAR)` is expanded against env. Throws PodConfigError for an
 * image with no local mapping and no command.
 */
export function containerArgv(container: V1Container, env: Record<string, string>, images: readonly ImageMapping[]): string[] {
  const image = container.image ?? '';
  const mapping = images.find((m) => image.includes(m.match));
  const command = expandArgs(container.command ?? [], env);
  const args = expandArgs(container.args ?? [], env);
  if (command.length > 0) {
    const [executable = '', ...rest] = command;
    const local = mapping?.commands?.[executable] ?? mapping?.commands?.[posix.basename(executable)];
    return [...(local ?? [executable]), ...rest, ...args];
  }
  if (mapping === undefined) {
    throw new PodConfigError(
      `container "${container.name}": image "${image}" has no local mapping (known: ${images.map((m) => m.match).join(', ') || 'none'}); set command or pass an image mapping`,
    );
  }
  return [...mapping.entrypoint, ...args];
}
