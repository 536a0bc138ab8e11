// The real kubectl (scripts/cluster/kubectl-helm.sh caches it) against the test control plane, for
// the steps a user types: `kubectl get df`, `kubectl scale dataflow/<name>`.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './node-agent.js';

const run = promisify(execFile);
let binDir: Promise<string> | undefined;

function kubectlBinDir(): Promise<string> {
  binDir ??= run(join(repoRoot(), 'scripts/cluster/kubectl-helm.sh'), [], { cwd: repoRoot() }).then(({ stdout }) => stdout.trim());
  return binDir;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl with the given kubeconfig; a non-zero exit is returned, not thrown. */
export async function kubectl(kubeconfig: string, args: readonly string[]): Promise<KubectlResult> {
  const bin = join(await kubectlBinDir(), 'kubectl');
  try {
    const { stdout, stderr } = await run(bin, ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
