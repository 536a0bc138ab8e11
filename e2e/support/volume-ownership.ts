// Volume permissions for containers that run as a non-root user (container mode), the way the
// kubelet sets them: emptyDir directories are world-writable (0777); with a pod fsGroup every
// volume the agent wrote belongs to that group (files g+r, plus g+w unless mounted read-only;
// directories setgid); the service-account token belongs to the pod's runAsUser when there is one.
import { chmod, chown, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { VolumeDirs } from './pod-volumes.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** The single user every container of the pod runs as (pod runAsUser, or all containers agree). */
export function podRunAsOwner(pod: V1Pod): Owner | undefined {
  const psc = pod.spec?.securityContext;
  const users = new Set<string>();
  for (const c of pod.spec?.containers ?? []) {
    const uid = c.securityContext?.runAsUser ?? psc?.runAsUser;
    const gid = c.securityContext?.runAsGroup ?? psc?.runAsGroup ?? psc?.fsGroup ?? uid;
    if (uid === undefined) return undefined;
    users.add(`${uid}:${gid ?? uid}`);
  }
  if (users.size !== 1) return undefined;
  const [uid = 0, gid = 0] = [...users][0]?.split(':').map(Number) ?? [];
  return { uid, gid };
}

async function walk(path: string, visit: (path: string, isDir: boolean) => Promise<void>): Promise<void> {
  const info = await stat(path);
  await visit(path, info.isDirectory());
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await walk(join(path, entry), visit);
}

/** Applies emptyDir modes and fsGroup ownership to the pod's volume directories (not hostPath). */
export async function applyVolumeOwnership(pod: V1Pod, volumes: VolumeDirs): Promise<void> {
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  const readOnly = new Set(
    (pod.spec?.containers ?? []).flatMap((c) => (c.volumeMounts ?? []).filter((m) => m.readOnly === true).map((m) => m.name)),
  );
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = volumes.get(volume.name);
    if (dir === undefined || volume.hostPath !== undefined) continue;
    if (volume.emptyDir !== undefined) await chmod(dir, 0o777);
    if (fsGroup === undefined) continue;
    const fileMask = readOnly.has(volume.name) || volume.emptyDir === undefined ? 0o440 : 0o660;
    await walk(dir, async (path, isDir) => {
      await chown(path, (await stat(path)).uid, fsGroup);
      const mode = (await stat(path)).mode & 0o7777;
      await chmod(path, isDir ? mode | 0o2550 | (fileMask & 0o220) : mode | fileMask);
    });
  }
}
