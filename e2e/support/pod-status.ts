// Pod status as the kubelet would report it, computed from the container snapshots: phase,
// PodScheduled/Initialized/ContainersReady/Ready conditions (lastTransitionTime kept stable while a
// condition does not change) and containerStatuses. Sent as a JSON merge patch of pods/status.
import type { ContainerSnapshot, RestartPolicy } from './container-runner.js';

export interface PodCondition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface PodStatusPatch {
  status: {
    phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
    hostIP: string;
    hostIPs: { ip: string }[];
    podIP: string;
    podIPs: { ip: string }[];
    startTime: string;
    conditions: PodCondition[];
    containerStatuses: ContainerSnapshot[];
    reason?: string | null;
    message?: string | null;
  };
}

function phaseOf(containers: readonly ContainerSnapshot[], restartPolicy: RestartPolicy): PodStatusPatch['status']['phase'] {
  if (containers.length === 0) return 'Pending';
  const terminated = containers.map((c) => ('terminated' in c.state ? c.state.terminated : undefined));
  if (terminated.every((t) => t !== undefined)) {
    return terminated.every((t) => t.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  const everStarted = containers.some((c) => 'running' in c.state || c.restartCount > 0 || 'terminated' in c.state);
  if (!everStarted) return 'Pending';
  // A container waiting to be restarted keeps the pod Running (restartPolicy Always/OnFailure).
  return restartPolicy === 'Never' && containers.some((c) => 'waiting' in c.state) ? 'Pending' : 'Running';
}

/** Builds status patches, remembering when each condition last changed. */
export class PodStatusBuilder {
  private readonly transitions = new Map<string, { status: string; at: string }>();
  private readonly startTime = new Date().toISOString();
  private readonly ip: string;
  private readonly restartPolicy: RestartPolicy;

  constructor(ip: string, restartPolicy: RestartPolicy) {
    this.ip = ip;
    this.restartPolicy = restartPolicy;
  }

  private condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
    const status = ok ? 'True' : 'False';
    let seen = this.transitions.get(type);
    if (seen?.status !== status) {
      seen = { status, at: new Date().toISOString() };
      this.transitions.set(type, seen);
    }
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: seen.at,
      ...(ok || reason === undefined ? {} : { reason }),
      ...(ok || message === undefined ? {} : { message }),
    };
  }

  build(containers: readonly ContainerSnapshot[]): PodStatusPatch {
    const phase = phaseOf(containers, this.restartPolicy);
    const unready = containers.filter((c) => !c.ready).map((c) => c.name);
    const allReady = containers.length > 0 && unready.length === 0 && phase === 'Running';
    const notReadyMessage = `containers with unready status: [${unready.join(' ')}]`;
    const finished = phase === 'Succeeded' || phase === 'Failed';
    return {
      status: {
        phase,
        hostIP: this.ip,
        hostIPs: [{ ip: this.ip }],
        podIP: this.ip,
        podIPs: [{ ip: this.ip }],
        startTime: this.startTime,
        conditions: [
          this.condition('PodScheduled', true),
          this.condition('Initialized', true),
          this.condition('ContainersReady', allReady, finished ? 'PodCompleted' : 'ContainersNotReady', finished ? undefined : notReadyMessage),
          this.condition('Ready', allReady, finished ? 'PodCompleted' : 'ContainersNotReady', finished ? undefined : notReadyMessage),
        ],
        containerStatuses: [...containers],
      },
    };
  }
}
