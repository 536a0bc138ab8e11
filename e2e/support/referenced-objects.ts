// ConfigMaps and Secrets a pod refers to (env, envFrom, volumes), read once per pod start.
import type { CoreV1Api, V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { isNotFound } from './kube.js';

/** Looks up the ConfigMaps and Secrets of one namespace; undefined when the object does not exist. */
export interface ReferencedObjects {
  configMap(name: string): Promise<V1ConfigMap | undefined>;
  secret(name: string): Promise<V1Secret | undefined>;
}

/** Reads through the API, caching each answer so env and volumes see the same version. */
export function apiReferencedObjects(core: CoreV1Api, namespace: string): ReferencedObjects {
  const configMaps = new Map<string, Promise<V1ConfigMap | undefined>>();
  const secrets = new Map<string, Promise<V1Secret | undefined>>();
  const read = <T>(cache: Map<string, Promise<T | undefined>>, name: string, fetch: () => Promise<T>): Promise<T | undefined> => {
    let found = cache.get(name);
    if (found === undefined) {
      found = fetch().catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      cache.set(name, found);
    }
    return found;
  };
  return {
    configMap: (name) => read(configMaps, name, () => core.readNamespacedConfigMap({ name, namespace })),
    secret: (name) => read(secrets, name, () => core.readNamespacedSecret({ name, namespace })),
  };
}

/** A Secret's `data` decoded from base64. */
export function secretBytes(secret: V1Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(secret.data ?? {})) out.set(key, Buffer.from(value, 'base64'));
  return out;
}

/** A ConfigMap's `data` (UTF-8) and `binaryData` (base64) as bytes. */
export function configMapBytes(configMap: V1ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(configMap.data ?? {})) out.set(key, Buffer.from(value, 'utf8'));
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) out.set(key, Buffer.from(value, 'base64'));
  return out;
}
