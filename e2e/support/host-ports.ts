// Containers on the host network share one set of ports, so two pods of one Deployment (during a
// rolling update, say) would both want :8081. The agent gives every declared containerPort its own
// free host port and moves the container there: port flags in its args are rewritten, probes go to
// the new port. Pure functions; the allocation is the caller's.
import type { IntOrString, V1Container, V1Probe } from '@kubernetes/client-node';
import { PodConfigError } from './pod-fields.js';

/** The containerPorts a container declares (deduplicated, in order). */
export function declaredPorts(container: V1Container): number[] {
  return [...new Set((container.ports ?? []).map((p) => p.containerPort))];
}

/** A probe's port (number, numeric string or a port name) as a containerPort. */
export function resolvePortRef(container: V1Container, ref: IntOrString, where: string): number {
  if (typeof ref === 'number') return ref;
  if (/^\d+$/.test(ref)) return Number(ref);
  const named = (container.ports ?? []).find((p) => p.name === ref);
  if (named === undefined) throw new PodConfigError(`container "${container.name}" ${where}: no port named "${ref}"`);
  return named.containerPort;
}

const probePortRef = (probe: V1Probe | undefined): IntOrString | undefined => probe?.httpGet?.port ?? probe?.tcpSocket?.port;

/** The containerPort the probes address (readiness, then liveness, then startup), if any. */
export function probedPort(container: V1Container): number | undefined {
  for (const [field, probe] of [
    ['readinessProbe', container.readinessProbe],
    ['livenessProbe', container.livenessProbe],
    ['startupProbe', container.startupProbe],
  ] as const) {
    const ref = probePortRef(probe);
    if (ref !== undefined) return resolvePortRef(container, ref, field);
  }
  return undefined;
}

/**
 * Rewrites port numbers in args: `--<…port…>=N` and `--<…port…> N`, and `--<…addr…|…listen…>=[host]:N`,
 * for every N in the map. Anything else stays as written.
 */
export function remapPortArgs(args: readonly string[], hostPorts: ReadonlyMap<number, number>): string[] {
  const mapped = (text: string): string | undefined => {
    if (!/^\d+$/.test(text)) return undefined;
    const port = hostPorts.get(Number(text));
    return port === undefined ? undefined : String(port);
  };
  const isPortFlag = (flag: string): boolean => /^--?[\w.-]*port[\w.-]*$/i.test(flag);
  const isAddressFlag = (flag: string): boolean => /^--?[\w.-]*(addr|address|listen)[\w.-]*$/i.test(flag);
  return args.map((arg, i) => {
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0) {
      const flag = arg.slice(0, eq);
      const value = arg.slice(eq + 1);
      if (isPortFlag(flag)) return `${flag}=${mapped(value) ?? value}`;
      const colon = value.lastIndexOf(':');
      if (isAddressFlag(flag) && colon >= 0) {
        const port = mapped(value.slice(colon + 1));
        if (port !== undefined) return `${flag}=${value.slice(0, colon + 1)}${port}`;
      }
      return arg;
    }
    const previous = i > 0 ? args[i - 1] : undefined;
    if (previous !== undefined && !previous.includes('=') && isPortFlag(previous)) return mapped(arg) ?? arg;
    return arg;
  });
}
