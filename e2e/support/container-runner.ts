// One container's life: runs started through a ContainerLauncher (a local process group, or a podman
// container from the image) with output appended to its log file, startup/readiness/liveness
// probes, restarts with capped exponential back-off (CrashLoopBackOff), and a graceful stop
// (SIGTERM, SIGKILL after the grace period).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { V1Probe } from '@kubernetes/client-node';
import type { ContainerExit, ContainerLauncher, LaunchedContainer } from './container-launcher.js';
import { probeTimings, runProbe } from './probes.js';
import type { ProbeTarget } from './probes.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: TerminatedState };

/** What the pod status reports about one container (JSON shape of V1ContainerStatus). */
export interface ContainerSnapshot {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerState;
  lastState: { terminated?: TerminatedState };
}

export interface BackoffOptions {
  /** First restart delay (the kubelet uses 10 s). */
  initialMs: number;
  /** Upper bound of the doubling delay (the kubelet uses 300 s). */
  maxMs: number;
  /** A run at least this long resets the delay (the kubelet uses 10 min). */
  resetAfterMs: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** Starts each run of the container. */
  launcher: ContainerLauncher;
  /** Environment and working directory of exec probes. */
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  /** The port the container serves on; every probe goes there. */
  port: number;
  restartPolicy: RestartPolicy;
  startupProbe?: V1Probe;
  readinessProbe?: V1Probe;
  livenessProbe?: V1Probe;
  backoff: BackoffOptions;
  /** Upper bound for probe periods and initial delays. */
  probeCapMs: number;
  /** Called after every change of the snapshot. */
  onChange: () => void;
  /** Called when a run ends, before any restart. */
  onExit?: (terminated: TerminatedState) => void;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

const now = (): string => new Date().toISOString();
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

export class ContainerRunner {
  private readonly spec: ContainerSpec;
  private run: LaunchedContainer | undefined;
  private containerID: string | undefined;
  private state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  private lastTerminated: TerminatedState | undefined;
  private restartCount = 0;
  private ready = false;
  private started = false;
  private stopping = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(spec: ContainerSpec) {
    this.spec = spec;
    this.backoffMs = spec.backoff.initialMs;
  }

  snapshot(): ContainerSnapshot {
    return {
      name: this.spec.name,
      image: this.spec.image,
      imageID: '',
      ...(this.containerID === undefined ? {} : { containerID: this.containerID }),
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastTerminated === undefined ? {} : { terminated: this.lastTerminated },
    };
  }

  start(): void {
    if (this.stopping || this.run !== undefined) return;
    const run = this.spec.launcher.launch(this.spec.logFile);
    this.run = run;
    this.containerID = run.id;
    const startedAt = now();
    // Aborted when this run ends: ends its probes.
    const runAbort = new AbortController();
    this.exited = run.exit.then((result: ContainerExit) => {
      runAbort.abort();
      this.run = undefined;
      this.handleExit(startedAt, result.code, result.signal, result.startError);
    });
    this.state = { running: { startedAt } };
    this.ready = false;
    this.started = this.spec.startupProbe === undefined;
    if (this.started && this.spec.readinessProbe === undefined) this.ready = true;
    this.spec.onChange();
    void this.runProbes(runAbort.signal);
  }

  /** SIGTERM, SIGKILL after graceMs; resolves once the container is gone. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    if (this.run === undefined) return;
    this.run.stop(graceMs);
    await this.exited;
  }

  /** Immediate SIGKILL (process exit path: no waiting possible). */
  killNow(): void {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.run?.kill();
  }

  private handleExit(startedAt: string, code: number | null, signal: NodeJS.Signals | null, message?: string): void {
    const exitCode = code ?? 128 + (signal === null ? 0 : (SIGNALS[signal] ?? 0));
    const terminated: TerminatedState = {
      exitCode,
      ...(signal === null ? {} : { signal: SIGNALS[signal] ?? 0 }),
      reason: message !== undefined ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error',
      ...(message === undefined ? {} : { message }),
      startedAt,
      finishedAt: now(),
      containerID: this.containerID ?? '',
    };
    if (message !== undefined) this.appendLog(`[node-agent] ${message}\n`);
    this.spec.onExit?.(terminated);
    this.ready = false;
    const policy = this.spec.restartPolicy;
    const restart = !this.stopping && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (!restart) {
      this.state = { terminated };
      this.spec.onChange();
      return;
    }
    const ranMs = Date.parse(terminated.finishedAt) - Date.parse(startedAt);
    if (ranMs >= this.spec.backoff.resetAfterMs) this.backoffMs = this.spec.backoff.initialMs;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.spec.backoff.maxMs);
    this.lastTerminated = terminated;
    this.restartCount += 1;
    this.started = false;
    this.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.spec.name} (exit code ${exitCode})`,
      },
    };
    this.spec.onChange();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, delay);
  }

  private appendLog(text: string): void {
    try {
      const fd = openSync(this.spec.logFile, 'a');
      writeSync(fd, text);
      closeSync(fd);
    } catch {
      // The pod dir may be gone during teardown.
    }
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.spec.onChange();
  }

  /** Startup probe first; then readiness and liveness side by side, until the process exits. */
  private async runProbes(signal: AbortSignal): Promise<void> {
    const target: ProbeTarget = { port: this.spec.port, env: this.spec.env, cwd: this.spec.cwd };
    const { startupProbe, readinessProbe, livenessProbe } = this.spec;
    if (startupProbe !== undefined) {
      const ok = await this.probeLoop(startupProbe, target, signal, 'until-success');
      if (signal.aborted) return;
      if (!ok) {
        this.appendLog('[node-agent] startup probe failed: killing the container\n');
        this.run?.kill();
        return;
      }
      this.started = true;
      if (readinessProbe === undefined) this.ready = true;
      this.spec.onChange();
    }
    const loops: Promise<unknown>[] = [];
    if (readinessProbe !== undefined) loops.push(this.probeLoop(readinessProbe, target, signal, 'readiness'));
    if (livenessProbe !== undefined) {
      loops.push(
        this.probeLoop(livenessProbe, target, signal, 'until-failure').then((alive) => {
          if (signal.aborted || alive) return;
          this.appendLog('[node-agent] liveness probe failed: restarting the container\n');
          this.run?.stop(2000);
        }),
      );
    }
    await Promise.all(loops);
  }

  /**
   * until-success: true at successThreshold consecutive successes, false at failureThreshold
   * consecutive failures. until-failure: false at failureThreshold consecutive failures.
   * readiness: drives `ready` until aborted. Polls every pollMs (250 ms at most before the first
   * success); a failure counts at most once per real period (see ProbeTimings).
   */
  private async probeLoop(probe: V1Probe, target: ProbeTarget, signal: AbortSignal, mode: 'until-success' | 'until-failure' | 'readiness'): Promise<boolean> {
    const t = probeTimings(probe, this.spec.probeCapMs);
    await sleep(t.initialDelayMs, signal);
    let successes = 0;
    let failures = 0;
    let lastCountedFailure = -Infinity;
    let everSucceeded = false;
    while (!signal.aborted) {
      const ok = await runProbe(probe, target, t.timeoutMs);
      if (signal.aborted) break;
      if (ok) {
        successes += 1;
        failures = 0;
        lastCountedFailure = -Infinity;
        everSucceeded = true;
        if (successes >= t.successThreshold) {
          if (mode === 'until-success') return true;
          if (mode === 'readiness') this.setReady(true);
        }
      } else if (Date.now() - lastCountedFailure >= t.periodMs) {
        failures += 1;
        successes = 0;
        lastCountedFailure = Date.now();
        if (failures >= t.failureThreshold) {
          if (mode !== 'readiness') return false;
          this.setReady(false);
        }
      } else {
        successes = 0;
      }
      await sleep(everSucceeded ? t.pollMs : Math.min(250, t.pollMs), signal);
    }
    return true;
  }
}
