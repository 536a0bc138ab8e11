// One real worker process (packages/worker/dist/main.js) for the sink benchmarks: started from a
// DataFlow spec rendered into its worker config, its CPU time and peak RSS read from /proc, its
// memory gauges from its own /metrics, stopped with SIGTERM. Like a pod, it gets the NODE_OPTIONS
// the operator renders for the spec's memory limit (the default 512Mi when the spec sets none).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RESOURCES, renderWorkerConfig, serializeWorkerConfig, workerNodeOptions } from '@dataflow/api';
import type { DataFlowSpec } from '@dataflow/api';

const WORKER_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'worker', 'dist', 'main.js');
const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface Worker {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly dir: string;
}

export interface WorkerOptions {
  /** Directory for a `--cpu-prof` profile named `<name>.cpuprofile`; absent: no profiling. */
  readonly cpuProfDir?: string | undefined;
  /** Extra node flags, space-separated (e.g. "--max-old-space-size=128"); they override NODE_OPTIONS. */
  readonly nodeArgs?: string | undefined;
}

/** The heap flags a worker pod of this spec gets (the operator's NODE_OPTIONS), or none. */
export function podNodeOptions(spec: DataFlowSpec): string | undefined {
  return workerNodeOptions(spec.resources ?? DEFAULT_RESOURCES);
}

function podEnv(spec: DataFlowSpec): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const options = podNodeOptions(spec);
  if (options !== undefined) env['NODE_OPTIONS'] = options;
  return env;
}

export async function startWorker(name: string, spec: DataFlowSpec, options: WorkerOptions = {}): Promise<Worker> {
  const dir = await mkdtemp(join(tmpdir(), 'df-bench-'));
  const config = join(dir, 'flow.json');
  await writeFile(config, serializeWorkerConfig(renderWorkerConfig({ apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata: { name, namespace: 'bench' }, spec })));
  const profile = options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir, '--cpu-prof-name', `${name}.cpuprofile`];
  const nodeArgs = [...(options.nodeArgs ?? '').split(' ').filter(Boolean), ...profile];
  const child = spawn(process.execPath, [...nodeArgs, WORKER_MAIN, '--config', config, '--port', '0', '--state-dir', join(dir, 'state'), '--no-kubernetes', '--log-level', 'info'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: podEnv(spec),
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
  return { child, lines, dir };
}

/** The worker's /metrics port, from its "health server listening" log line. */
export function metricsPort(worker: Worker): number | undefined {
  for (const line of worker.lines) {
    const port = /"port":(\d+).*"health server listening"/.exec(line)?.[1];
    if (port !== undefined) return Number(port);
  }
  return undefined;
}

/** Memory gauges of the worker right now (MB): V8 heap in use, heap total, external (Buffers). */
export async function memoryBreakdown(worker: Worker): Promise<Record<string, number>> {
  const port = metricsPort(worker);
  if (port === undefined) return {};
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const name of ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'process_resident_memory_bytes']) {
    const value = new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1];
    if (value !== undefined) out[name.replace(/^(nodejs|process)_/, '').replace(/_bytes$/, '')] = Math.round(Number(value) / 1024 / 1024);
  }
  return out;
}

/**
 * How the worker ended, or undefined while it runs. A worker killed by a signal (a V8 heap-limit
 * abort is SIGABRT) has no exit code, only a signal.
 */
export function workerExit(worker: Worker): string | undefined {
  const { exitCode, signalCode } = worker.child;
  if (exitCode !== null) return `exit ${exitCode}`;
  return signalCode === null ? undefined : `signal ${signalCode}`;
}

export async function stopWorker(worker: Worker): Promise<number | null> {
  if (workerExit(worker) !== undefined) return worker.child.exitCode;
  const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
  worker.child.kill('SIGTERM');
  const code = await exited;
  await rm(worker.dir, { recursive: true, force: true });
  return code;
}

/** DATAFLOW_DEBUG_TIMELINE=1 (inherited by the worker): relays its per-second flow-control counters. */
export function relayTimeline(worker: Worker, label: string): void {
  for (const line of worker.lines) if (line.startsWith('dataflow-timeline ')) console.error(`${label} ${line}`);
}

/** utime + stime of a live process, in seconds. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}
