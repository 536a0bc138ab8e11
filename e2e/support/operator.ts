// The operator under test as a child process (`node packages/controller/dist/main.js`) with the
// admin kubeconfig, and the DataFlow CRD applied with `kubectl apply --server-side -f deploy/crds/`.
// The operator's stdout and stderr go to a file the tests read.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, mkdtemp, open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubectl } from './kubectl.js';
import { repoRoot } from './node-agent.js';
import { waitFor } from './wait.js';

export const CRD_FILE = 'deploy/crds/dataflow.dataflow.io_dataflows.yaml';
export const CRD_NAME = 'dataflows.dataflow.dataflow.io';
/** The worker image the operator puts in pod templates; the node agent maps it to packages/worker. */
export const TEST_WORKER_IMAGE = 'localhost/dataflow-worker:dev';
const E2E_FIELD_MANAGER = 'dataflow-e2e';

/**
 * Applies the CRD from deploy/crds/ with `kubectl apply --server-side --force-conflicts` and waits
 * until it is Established. Not through @kubernetes/client-node: its serializer maps the CRD onto
 * its model classes and silently drops `x-kubernetes-validations` given as plain YAML keys.
 */
export async function applyDataFlowCrd(kc: KubeConfig, kubeconfigPath: string): Promise<void> {
  const applied = await kubectl(kubeconfigPath, ['apply', '--server-side', '--force-conflicts', `--field-manager=${E2E_FIELD_MANAGER}`, '-f', join(repoRoot(), CRD_FILE)]);
  if (applied.code !== 0) throw new Error(`kubectl apply of ${CRD_FILE} failed: ${applied.stderr}`);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  await waitFor(`CRD ${CRD_NAME} to be Established`, async () => {
    const current = await api.readCustomResourceDefinition({ name: CRD_NAME });
    return (current.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  });
}

export interface OperatorOptions {
  kubeconfigPath: string;
  /** Namespaces the operator watches (one per test keeps runs from seeing each other's flows). */
  namespaces: string[];
  extraArgs?: string[];
}

export interface OperatorProcess {
  readonly logFile: string;
  /** Everything the operator printed so far. */
  log(): Promise<string>;
  /** True while the process runs. */
  running(): boolean;
  /** SIGTERM, SIGKILL after 10 s; resolves when the process is gone. */
  stop(): Promise<void>;
}

/** Starts the operator and waits until its caches are synced (it logs "Caches synced"). */
export async function startOperator(options: OperatorOptions): Promise<OperatorProcess> {
  const main = join(repoRoot(), 'packages/controller/dist/main.js');
  await access(main).catch(() => {
    throw new Error(`${main} is missing: build the repository first (npx tsc -b)`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'dataflow-e2e-operator-'));
  const logFile = join(dir, 'operator.log');
  const out = await open(logFile, 'a');
  const args = [
    main,
    '--kubeconfig',
    options.kubeconfigPath,
    '--worker-image',
    TEST_WORKER_IMAGE,
    '--metrics-port',
    '0',
    '--health-port',
    '0',
    ...options.namespaces.flatMap((ns) => ['--namespace', ns]),
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { stdio: ['ignore', out.fd, out.fd], env: { ...process.env, LOG_LEVEL: 'info' } });
  } finally {
    await out.close();
  }
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void gone.then(() => {
    exited = true;
  });
  const handle: OperatorProcess = {
    logFile,
    log: () => readFile(logFile, 'utf8'),
    running: () => !exited,
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor('the operator to sync its caches', async () => {
      if (exited) throw new Error(`the operator exited early; its log:\n${await handle.log()}`);
      return (await handle.log()).includes('Caches synced');
    }, { timeoutMs: 20_000 });
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}
