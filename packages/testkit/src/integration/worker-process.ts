// Runs the real worker binary (packages/worker/dist/main.js) as a child process for the
// integration tests that kill, restart and starve it: writes the worker config the operator would
// render, keeps the JSON log lines, and stops the process with a signal of the test's choice.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderWorkerConfig, serializeWorkerConfig } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';

const here = dirname(fileURLToPath(import.meta.url));
/** packages/testkit/dist/integration → packages/worker/dist/main.js */
export const WORKER_MAIN = join(here, '..', '..', '..', 'worker', 'dist', 'main.js');
/** packages/testkit/dist/integration → packages/cli/dist/main.js */
export const CLI_MAIN = join(here, '..', '..', '..', 'cli', 'dist', 'main.js');

export interface WorkerFlow {
  readonly namespace: string;
  readonly name: string;
}

/** A worker directory: its config file and its state directory (checkpoints). */
export interface WorkerFiles {
  readonly dir: string;
  readonly config: string;
  readonly stateDir: string;
  remove(): Promise<void>;
}

/** Renders the worker config of `spec` (validated, defaults applied) into a fresh temp directory. */
export async function writeWorkerConfig(flow: WorkerFlow, spec: DataFlowSpec): Promise<WorkerFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'df-worker-'));
  const config = join(dir, 'flow.json');
  const rendered = renderWorkerConfig({ apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata: { name: flow.name, namespace: flow.namespace }, spec });
  await writeFile(config, serializeWorkerConfig(rendered));
  return { dir, config, stateDir: join(dir, 'state'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** One worker process; its stdout and stderr lines are kept (the worker logs JSON on stdout). */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(files: WorkerFiles, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [WORKER_MAIN, '--config', files.config, '--port', '0', '--state-dir', files.stateDir, '--no-kubernetes', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let rest = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        this.lines.push(...parts.filter((line) => line !== ''));
      });
    }
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      this.exitInfo = { code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.exitInfo;
    });
  }

  get pid(): number {
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('the worker process did not start');
    return pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Log lines parsed as JSON (non-JSON lines are skipped). */
  records(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.lines) {
      try {
        const value = JSON.parse(line) as unknown;
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.push(value as Record<string, unknown>);
      } catch {
        // not a JSON line
      }
    }
    return out;
  }

  log(): string {
    return this.lines.join('\n');
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
