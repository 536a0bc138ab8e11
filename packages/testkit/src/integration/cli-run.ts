// `dataflow run` (the built CLI) for the integration tests of the samples in deploy/samples: load a
// sample, adapt it to the local services, write it to a work directory, run it until the data
// arrived, then Ctrl-C and check that the flow drained and printed its summary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { waitFor } from '../wait-for.js';
import { CLI_MAIN } from './worker-process.js';

/** packages/testkit/dist/integration → deploy/samples */
export const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'deploy', 'samples');

export type Doc = Record<string, unknown>;
export type SampleFlow = Doc & { spec: { source: { config: Doc }; sink: { config: Doc } } };

/** The documents of a sample; the DataFlow is returned for editing. */
export async function loadSample(file: string): Promise<{ docs: Doc[]; flow: SampleFlow }> {
  const docs = parseAllDocuments(await readFile(join(SAMPLES, file), 'utf8')).map((doc) => doc.toJS() as Doc);
  const flow = docs.find((doc) => doc['kind'] === 'DataFlow');
  assert.ok(flow !== undefined, `${file} holds a DataFlow`);
  return { docs, flow: flow as SampleFlow };
}

/** Writes the (edited) documents of a sample to `dir`/`name`; returns the path. */
export async function writeSample(dir: string, name: string, docs: readonly Doc[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, docs.map((doc) => stringify(doc)).join('---\n'));
  return file;
}

/** Writes Secrets as the files `dataflow run --secrets-dir` reads (<dir>/<secret>/<key>); returns the dir. */
export async function writeSecretsDir(dir: string, secrets: Record<string, Record<string, string>>): Promise<string> {
  const secretsDir = join(dir, 'secrets');
  for (const [name, keys] of Object.entries(secrets)) {
    await mkdir(join(secretsDir, name), { recursive: true });
    for (const [key, value] of Object.entries(keys)) await writeFile(join(secretsDir, name, key), value);
  }
  return secretsDir;
}

export interface CliRun {
  readonly stderr: () => string;
  readonly stdout: () => string;
  interrupt(): Promise<number | null>;
  kill(): void;
}

/** Starts `dataflow run <file>` (the built CLI) in `dir`. */
export function dataflowRun(file: string, dir: string, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, [CLI_MAIN, 'run', file, '--state-dir', join(dir, 'state'), '--log-level', 'warn', ...extraArgs], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    stderr: () => err,
    stdout: () => out,
    interrupt: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface RunUntilOptions {
  /** True once the sink holds what was sent. */
  readonly done: () => Promise<boolean>;
  readonly what: string;
  /** Records the summary must count as read, written and committed. */
  readonly records: number;
  /** Connector type of the main sink, as the summary prints it. */
  readonly sinkType: string;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/** Runs `file` until `done`, then SIGINT; asserts exit 0 and the summary's counts. Returns the summary. */
export async function runSampleUntil(file: string, dir: string, options: RunUntilOptions): Promise<string> {
  const cli = dataflowRun(file, dir, options.extraArgs, options.env);
  try {
    try {
      await waitFor(() => options.done().catch(() => false), { timeoutMs: options.timeoutMs ?? 45_000, intervalMs: 250, what: options.what });
    } catch (error) {
      assert.fail(`${(error as Error).message}\n--- dataflow run stderr ---\n${cli.stderr().slice(-3000)}`);
    }
    const code = await cli.interrupt();
    assert.equal(code, 0, `dataflow run exits 0 after Ctrl-C; stderr:\n${cli.stderr().slice(-3000)}`);
  } finally {
    cli.kill();
  }
  const summary = cli.stderr();
  const n = options.records.toLocaleString('en-US');
  assert.match(summary, /stopped \(drained after a signal\)/);
  assert.match(summary, new RegExp(`read\\s+${n}\\b`), `the summary counts ${n} read:\n${summary}`);
  assert.match(summary, new RegExp(`written\\s+${n}\\s+main \\(${options.sinkType}\\)`), summary);
  assert.match(summary, new RegExp(`committed\\s+${n}\\b`), summary);
  return summary;
}
