// helm (from scripts/cluster/kubectl-helm.sh, next to kubectl) against the test control plane's
// admin kubeconfig, and the chart's path.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adminKubeconfigPath } from './cluster.js';
import type { KubectlResult } from './kubectl.js';
import { repoRoot } from './node-agent.js';

const run = promisify(execFile);
let helmBin: Promise<string> | undefined;

export const CHART_DIR = join(repoRoot(), 'charts', 'dataflow-operator');

/** Runs helm; a non-zero exit is returned, not thrown. */
export async function helm(args: readonly string[], timeoutMs = 180_000): Promise<KubectlResult> {
  helmBin ??= run(join(repoRoot(), 'scripts/cluster/kubectl-helm.sh'), [], { cwd: repoRoot() }).then(({ stdout }) => join(stdout.trim(), 'helm'));
  try {
    const { stdout, stderr } = await run(await helmBin, ['--kubeconfig', adminKubeconfigPath(), ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** stdout of a command that must have succeeded; otherwise an error with its output. */
export function succeeded(result: KubectlResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}
