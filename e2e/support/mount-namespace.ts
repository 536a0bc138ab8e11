// Volume mounts at their real in-pod paths: each container process runs in a private mount
// namespace (`unshare --mount --propagation private`) where every volume directory is bind-mounted
// at its mountPath, so paths such as /var/run/secrets/kubernetes.io/serviceaccount/token work
// unchanged. Needs root (CAP_SYS_ADMIN). Mount points must exist on the host file system; the ones
// the agent had to create are empty directories (or empty files) outside the namespace, removed
// again when the agent stops.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Mount } from './pod-command.js';

/** True when this process may create mount namespaces with bind mounts (root + unshare works). */
export function namespaceMountsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind /tmp /tmp'], {
    stdio: 'ignore',
    timeout: 5000,
  });
  return probe.status === 0;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * argv that runs `argv` in a new private mount namespace after bind-mounting every mount
 * (parents first; read-only mounts remounted ro). The process keeps its PID: unshare and sh exec.
 */
export function wrapWithMounts(
  argv: readonly string[],
  mounts: readonly Mount[],
  sourceIsFile: ReadonlyMap<string, boolean>,
  hostPaths: readonly string[] = [],
): string[] {
  // A mount over a directory that holds something the process needs from the host — the node
  // binary, the worker's code (a checkout under /tmp), its working directory or another volume's
  // source — would hide it. Such a mount (in practice an emptyDir on /tmp) is left out: the
  // process then uses the host directory, which is writable anyway.
  const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
  // Only argv paths that exist on the host count: `/etc/dataflow/flow.json` is served by a mount.
  const needed = [...argv.filter((a) => a.startsWith('/') && existsSync(a)), ...hostPaths];
  const hides = (m: Mount): boolean =>
    needed.some((path) => under(path, m.mountPath)) || mounts.some((other) => other !== m && under(other.source, m.mountPath));
  const ordered = mounts.filter((m) => !hides(m)).sort((a, b) => a.mountPath.length - b.mountPath.length);
  const steps = ordered.map((m) => {
    const dst = quote(m.mountPath);
    const src = quote(m.source);
    const point = sourceIsFile.get(m.mountPath) === true ? `[ -e ${dst} ] || : > ${dst}` : `mkdir -p -- ${dst}`;
    const ro = m.readOnly ? ` && mount -o remount,bind,ro -- ${dst}` : '';
    return `${point} && mount --bind -- ${src} ${dst}${ro}`;
  });
  const script = [...steps, 'exec "$@"'].join(' && ');
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', ...argv];
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Host-side mount points the agent created, so that it can remove them when it stops. */
export class MountPoints {
  private readonly createdDirs = new Set<string>();
  private readonly createdFiles = new Set<string>();

  /** Makes sure every mount point exists on the host; returns which mounts are files. */
  async prepare(mounts: readonly Mount[]): Promise<Map<string, boolean>> {
    const isFile = new Map<string, boolean>();
    for (const m of mounts) {
      const file = (await stat(m.source)).isFile();
      isFile.set(m.mountPath, file);
      const dir = file ? dirname(m.mountPath) : m.mountPath;
      const first = await mkdir(dir, { recursive: true });
      if (first !== undefined) this.createdDirs.add(first);
      if (file && !(await exists(m.mountPath))) {
        await writeFile(m.mountPath, '');
        this.createdFiles.add(m.mountPath);
      }
    }
    return isFile;
  }

  /** Removes what prepare() created, deepest first, only while still empty. */
  async cleanup(): Promise<void> {
    for (const file of this.createdFiles) await unlink(file).catch(() => undefined);
    this.createdFiles.clear();
    for (const top of [...this.createdDirs].sort((a, b) => b.length - a.length)) {
      await removeEmptyTree(top);
    }
    this.createdDirs.clear();
  }
}

/** rmdir of a directory tree that holds only empty directories; stops at anything else. */
async function removeEmptyTree(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) await removeEmptyTree(`${dir}/${entry}`).catch(() => undefined);
  await rmdir(dir).catch(() => undefined);
}
