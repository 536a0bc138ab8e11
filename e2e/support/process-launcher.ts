// A container run as a local process: its own session and process group (so a stop reaches every
// descendant), stdout and stderr appended to the log file, leftovers of the group killed when the
// main process ends (as a cgroup would).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { ContainerExit, ContainerLauncher, LaunchedContainer } from './container-launcher.js';

export interface ProcessSpec {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export class ProcessLauncher implements ContainerLauncher {
  private readonly spec: ProcessSpec;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
  }

  launch(logFile: string): LaunchedContainer {
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.argv[0] ?? '', this.spec.argv.slice(1), {
        cwd: this.spec.cwd,
        env: this.spec.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    const pid = child.pid;
    let killTimer: NodeJS.Timeout | undefined;
    const exit = new Promise<ContainerExit>((resolve) => {
      let handled = false;
      const onEnd = (result: ContainerExit): void => {
        if (handled) return;
        handled = true;
        if (killTimer !== undefined) clearTimeout(killTimer);
        killGroup(pid, 'SIGKILL');
        resolve(result);
      };
      child.once('error', (error) => onEnd({ code: 127, signal: null, startError: `cannot start ${this.spec.argv[0] ?? ''}: ${error.message}` }));
      child.once('exit', (code, signal) => onEnd({ code, signal }));
    });
    return {
      id: `process://${pid ?? 0}`,
      exit,
      stop: (graceMs) => {
        killGroup(pid, 'SIGTERM');
        if (killTimer === undefined) killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      },
      kill: () => killGroup(pid, 'SIGKILL'),
    };
  }
}
