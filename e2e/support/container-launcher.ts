// What a ContainerRunner needs from a container runtime: start one run of the container with its
// output appended to a log file, stop it gracefully or kill it, and learn how it ended. Two
// implementations: a local process group (process-launcher.ts) and a podman container from the
// real image (podman-launcher.ts). Restarts, probes and status stay in container-runner.ts.

/** How one run of a container ended. */
export interface ContainerExit {
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the container could not be started at all (reason StartError). */
  startError?: string;
}

/** One run of a container. */
export interface LaunchedContainer {
  /** containerID for the pod status: `process://<pid>`, `podman://<name>`. */
  readonly id: string;
  /** Resolves once the run is over (never rejects). */
  readonly exit: Promise<ContainerExit>;
  /** The stop signal (SIGTERM) now, SIGKILL when still running after graceMs. */
  stop(graceMs: number): void;
  /** SIGKILL now. Synchronous, so that it also works while this process exits. */
  kill(): void;
}

export interface ContainerLauncher {
  /** Starts one run; failures to start arrive as `exit` with `startError`, never as a throw. */
  launch(logFile: string): LaunchedContainer;
}
