// Pod volumes as plain directories under <podDir>/vol/<volume>/: configMap and secret (one file per
// key, `items`, modes, `optional`), emptyDir, downwardAPI, projected (configMap, secret, downwardAPI,
// serviceAccountToken) and hostPath (the host directory itself). Written once at pod start; the
// kubelet's periodic refresh of changed ConfigMaps is not emulated.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { PodConfigError, podFieldValue } from './pod-fields.js';
import type { PodAddresses } from './pod-fields.js';
import type { ReferencedObjects } from './referenced-objects.js';
import { configMapBytes, secretBytes } from './referenced-objects.js';

const DEFAULT_MODE = 0o644;

export interface VolumeContext {
  objects: ReferencedObjects;
  addresses: PodAddresses;
  /** A service-account token for the pod (TokenRequest), for projected serviceAccountToken sources. */
  serviceAccountToken(audience: string | undefined, expirationSeconds: number | undefined): Promise<string>;
}

/** name → local directory (or file, for hostPath files) of every volume of the pod. */
export type VolumeDirs = Map<string, string>;

interface PendingFile {
  path: string;
  bytes: Buffer;
  mode: number;
}

function checkRelativePath(path: string, where: string): string {
  const clean = normalize(path);
  if (path === '' || isAbsolute(path) || clean === '..' || clean.startsWith('../')) {
    throw new PodConfigError(`${where}: path "${path}" must be relative and stay inside the volume`);
  }
  return clean;
}

/** Files of a key→bytes map, honouring `items` (only the listed keys, at their paths). */
function keyFiles(
  data: Map<string, Buffer>,
  items: V1KeyToPath[] | undefined,
  mode: number,
  where: string,
  optional: boolean,
): PendingFile[] {
  if (items === undefined || items.length === 0) {
    return [...data].map(([key, bytes]) => ({ path: checkRelativePath(key, where), bytes, mode }));
  }
  const files: PendingFile[] = [];
  for (const item of items) {
    const bytes = data.get(item.key);
    if (bytes === undefined) {
      if (optional) continue;
      throw new PodConfigError(`${where}: key "${item.key}" not found`);
    }
    files.push({ path: checkRelativePath(item.path, where), bytes, mode: item.mode ?? mode });
  }
  return files;
}

function downwardFiles(pod: V1Pod, items: V1DownwardAPIVolumeFile[] | undefined, mode: number, ctx: VolumeContext, where: string): PendingFile[] {
  return (items ?? []).map((item) => {
    if (item.fieldRef === undefined) throw new PodConfigError(`${where}: only fieldRef items are supported by the test node agent`);
    const value = podFieldValue(pod, item.fieldRef.fieldPath, ctx.addresses, true);
    return { path: checkRelativePath(item.path, where), bytes: Buffer.from(value, 'utf8'), mode: item.mode ?? mode };
  });
}

async function configMapFiles(name: string, optional: boolean, items: V1KeyToPath[] | undefined, mode: number, ctx: VolumeContext, where: string): Promise<PendingFile[]> {
  const configMap = await ctx.objects.configMap(name);
  if (configMap === undefined) {
    if (optional) return [];
    throw new PodConfigError(`${where}: configmap "${name}" not found`);
  }
  return keyFiles(configMapBytes(configMap), items, mode, `${where} (configmap "${name}")`, optional);
}

async function secretFiles(name: string, optional: boolean, items: V1KeyToPath[] | undefined, mode: number, ctx: VolumeContext, where: string): Promise<PendingFile[]> {
  const secret = await ctx.objects.secret(name);
  if (secret === undefined) {
    if (optional) return [];
    throw new PodConfigError(`${where}: secret "${name}" not found`);
  }
  return keyFiles(secretBytes(secret), items, mode, `${where} (secret "${name}")`, optional);
}

/** Every file one volume contains (hostPath volumes are handled by the caller: used in place). */
async function volumeFiles(pod: V1Pod, volume: V1Volume, ctx: VolumeContext): Promise<PendingFile[]> {
  const where = `volume "${volume.name}"`;
  if (volume.emptyDir !== undefined) return [];
  if (volume.configMap !== undefined) {
    const cm = volume.configMap;
    return configMapFiles(cm.name ?? '', cm.optional === true, cm.items, cm.defaultMode ?? DEFAULT_MODE, ctx, where);
  }
  if (volume.secret !== undefined) {
    const s = volume.secret;
    return secretFiles(s.secretName ?? '', s.optional === true, s.items, s.defaultMode ?? DEFAULT_MODE, ctx, where);
  }
  if (volume.downwardAPI !== undefined) {
    return downwardFiles(pod, volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx, where);
  }
  if (volume.projected !== undefined) {
    const mode = volume.projected.defaultMode ?? DEFAULT_MODE;
    const files: PendingFile[] = [];
    for (const [index, source] of (volume.projected.sources ?? []).entries()) {
      const at = `${where} sources[${index}]`;
      if (source.configMap !== undefined) {
        const cm = source.configMap;
        files.push(...(await configMapFiles(cm.name ?? '', cm.optional === true, cm.items, mode, ctx, at)));
      } else if (source.secret !== undefined) {
        const s = source.secret;
        files.push(...(await secretFiles(s.name ?? '', s.optional === true, s.items, mode, ctx, at)));
      } else if (source.downwardAPI !== undefined) {
        files.push(...downwardFiles(pod, source.downwardAPI.items, mode, ctx, at));
      } else if (source.serviceAccountToken !== undefined) {
        const sat = source.serviceAccountToken;
        const token = await ctx.serviceAccountToken(sat.audience, sat.expirationSeconds);
        files.push({ path: checkRelativePath(sat.path, at), bytes: Buffer.from(token, 'utf8'), mode: 0o600 });
      } else {
        throw new PodConfigError(`${at}: unsupported projected source (supported: configMap, secret, downwardAPI, serviceAccountToken)`);
      }
    }
    return files;
  }
  throw new PodConfigError(
    `${where}: unsupported volume type (the test node agent supports configMap, secret, emptyDir, downwardAPI, projected, hostPath)`,
  );
}

/** Writes every volume of the pod under `<podDir>/vol/`; returns where each one is. */
export async function materializeVolumes(pod: V1Pod, podDir: string, ctx: VolumeContext): Promise<VolumeDirs> {
  const dirs: VolumeDirs = new Map();
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.hostPath !== undefined) {
      dirs.set(volume.name, volume.hostPath.path);
      continue;
    }
    const dir = join(podDir, 'vol', checkRelativePath(volume.name, 'volume name'));
    const files = await volumeFiles(pod, volume, ctx);
    await mkdir(dir, { recursive: true });
    for (const file of files) {
      const target = join(dir, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.bytes);
      await chmod(target, file.mode & 0o777);
    }
    dirs.set(volume.name, dir);
  }
  return dirs;
}
