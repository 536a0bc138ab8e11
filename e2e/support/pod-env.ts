// A container's environment, built the way the kubelet builds it: envFrom sources in order (with
// prefix), then env entries in order (value with $(VAR) expansion, configMapKeyRef/secretKeyRef
// honouring `optional`, fieldRef), later definitions winning.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { PodConfigError, podFieldValue } from './pod-fields.js';
import type { PodAddresses } from './pod-fields.js';
import type { ReferencedObjects } from './referenced-objects.js';
import { secretBytes } from './referenced-objects.js';

/**
 * Expands `$(NAME)` references like Kubernetes does: a defined NAME is replaced, an undefined one
 * is left as written, `$$` is an escaped `$`, and any other `$` is kept.
 */
export function expandReferences(text: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '$' || i + 1 >= text.length) {
      out += ch;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close !== -1) {
        const name = text.slice(i + 2, close);
        const value = lookup(name);
        out += value ?? `$(${name})`;
        i = close + 1;
        continue;
      }
    }
    out += '$';
    i += 1;
  }
  return out;
}

/** Environment names Kubernetes accepts (1.34 relaxed rule: printable ASCII without '='). */
function isValidEnvName(name: string): boolean {
  return name !== '' && /^[\x20-\x7e]+$/.test(name) && !name.includes('=');
}

/**
 * Resolves the container's env. `base` holds variables the kubelet adds before the pod's own
 * (service links such as KUBERNETES_SERVICE_HOST): the pod's definitions override them and
 * `$(VAR)` expansion sees them. Throws PodConfigError for a missing non-optional reference.
 */
export async function resolveContainerEnv(
  pod: V1Pod,
  container: V1Container,
  objects: ReferencedObjects,
  addresses: PodAddresses,
  base: Record<string, string> = {},
): Promise<Record<string, string>> {
  const defined = new Map<string, string>();
  const where = `container "${container.name}"`;

  for (const [index, source] of (container.envFrom ?? []).entries()) {
    const prefix = source.prefix ?? '';
    let entries: [string, string][];
    if (source.configMapRef !== undefined) {
      const name = source.configMapRef.name ?? '';
      const configMap = await objects.configMap(name);
      if (configMap === undefined) {
        if (source.configMapRef.optional === true) continue;
        throw new PodConfigError(`${where} envFrom[${index}]: configmap "${name}" not found`);
      }
      entries = Object.entries(configMap.data ?? {});
    } else if (source.secretRef !== undefined) {
      const name = source.secretRef.name ?? '';
      const secret = await objects.secret(name);
      if (secret === undefined) {
        if (source.secretRef.optional === true) continue;
        throw new PodConfigError(`${where} envFrom[${index}]: secret "${name}" not found`);
      }
      entries = [...secretBytes(secret)].map(([key, bytes]) => [key, bytes.toString('utf8')]);
    } else {
      throw new PodConfigError(`${where} envFrom[${index}]: needs configMapRef or secretRef`);
    }
    // The kubelet skips keys that are not valid variable names (and reports them in an event).
    for (const [key, value] of entries) if (isValidEnvName(prefix + key)) defined.set(prefix + key, value);
  }

  const lookup = (name: string): string | undefined => defined.get(name) ?? base[name];
  for (const variable of container.env ?? []) {
    const name = variable.name;
    const from = variable.valueFrom;
    if (from === undefined) {
      defined.set(name, expandReferences(variable.value ?? '', lookup));
      continue;
    }
    if (from.fieldRef !== undefined) {
      defined.set(name, podFieldValue(pod, from.fieldRef.fieldPath, addresses));
    } else if (from.configMapKeyRef !== undefined) {
      const ref = from.configMapKeyRef;
      const configMap = await objects.configMap(ref.name ?? '');
      const value = configMap?.data?.[ref.key];
      if (value !== undefined) defined.set(name, value);
      else if (ref.optional !== true) {
        throw new PodConfigError(
          configMap === undefined
            ? `${where} env ${name}: configmap "${ref.name ?? ''}" not found`
            : `${where} env ${name}: key "${ref.key}" not found in configmap "${ref.name ?? ''}"`,
        );
      }
    } else if (from.secretKeyRef !== undefined) {
      const ref = from.secretKeyRef;
      const secret = await objects.secret(ref.name ?? '');
      const value = secret === undefined ? undefined : secretBytes(secret).get(ref.key);
      if (value !== undefined) defined.set(name, value.toString('utf8'));
      else if (ref.optional !== true) {
        throw new PodConfigError(
          secret === undefined
            ? `${where} env ${name}: secret "${ref.name ?? ''}" not found`
            : `${where} env ${name}: key "${ref.key}" not found in secret "${ref.name ?? ''}"`,
        );
      }
    } else {
      throw new PodConfigError(`${where} env ${name}: valueFrom.resourceFieldRef and fileKeyRef are not supported by the test node agent`);
    }
  }
  return { ...base, ...Object.fromEntries(defined) };
}

/** Expands `$(VAR)` in command and args against the final environment. */
export function expandArgs(args: readonly string[], env: Record<string, string>): string[] {
  return args.map((arg) => expandReferences(arg, (name) => env[name]));
}
