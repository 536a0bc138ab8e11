// A container run from its image with podman. `podman run` stays attached (its stdout and stderr,
// i.e. the container's, go to the log file) and exits with the container's exit code; 125 means
// podman itself failed (reason StartError). Stopping is `podman stop -t <grace>`: the image's stop
// signal (SIGTERM), then SIGKILL by podman after the grace period, retried while the container is
// still being created; killing is `podman kill`.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { ContainerExit, ContainerLauncher, LaunchedContainer } from './container-launcher.js';
import { podman } from './podman-cli.js';
import type { PodmanConfig } from './podman-cli.js';

/** podman's own failure (bad option, unknown image, runtime error), as opposed to the program's. */
const PODMAN_FAILED = 125;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface PodmanContainerSpec {
  /** The container name given with --name in args. */
  name: string;
  /** `podman run …` arguments (podman-args.ts). */
  args: string[];
  /** Values passed by name (`-e NAME`), added to podman's environment. */
  env: Record<string, string>;
}

export class PodmanLauncher implements ContainerLauncher {
  private readonly config: PodmanConfig;
  private readonly spec: PodmanContainerSpec;

  constructor(config: PodmanConfig, spec: PodmanContainerSpec) {
    this.config = config;
    this.spec = spec;
  }

  launch(logFile: string): LaunchedContainer {
    const { config, spec } = this;
    const fd = openSync(logFile, 'a');
    let client: ChildProcess;
    try {
      // Its own process group: a Ctrl-C meant for the test run does not reach it; the agent stops it.
      client = spawn(config.binary, [...config.globalArgs, ...spec.args], {
        env: { ...config.env, ...spec.env },
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    let ended = false;
    const exit = new Promise<ContainerExit>((resolve) => {
      const onEnd = (result: ContainerExit): void => {
        if (ended) return;
        ended = true;
        resolve(result);
      };
      client.once('error', (error) => onEnd({ code: 127, signal: null, startError: `cannot run ${config.binary}: ${error.message}` }));
      client.once('exit', (code, signal) =>
        onEnd(code === PODMAN_FAILED ? { code, signal, startError: `podman run failed (exit ${PODMAN_FAILED}); its message is in the container log` } : { code, signal }),
      );
    });
    const killClient = (): void => {
      if (client.pid === undefined) return;
      try {
        process.kill(-client.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const kill = (): void => {
      if (ended) return;
      const result = spawnSync(config.binary, [...config.globalArgs, 'kill', spec.name], { env: config.env, stdio: 'ignore', timeout: 10_000 });
      // Not created yet (or podman hung): end the client, which takes the half-made container along.
      if (result.status !== 0) killClient();
    };
    let stopping = false;
    const stop = (graceMs: number): void => {
      if (stopping || ended) return;
      stopping = true;
      const seconds = Math.max(0, Math.ceil(graceMs / 1000));
      const deadline = Date.now() + graceMs + 15_000;
      void (async () => {
        while (!ended && Date.now() < deadline) {
          const result = await podman(config, ['stop', '-t', String(seconds), spec.name], (seconds + 15) * 1000);
          if (ended) return;
          // 0: stopped, the attached client exits next; otherwise the container may not exist yet.
          await Promise.race([exit, sleep(result.code === 0 ? 2000 : 300)]);
        }
        kill();
      })();
    };
    return { id: `podman://${spec.name}`, exit, stop, kill };
  }
}
