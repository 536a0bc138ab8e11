// Command-line flags and their environment variables (main.ts documents the process).
import { existsSync, readFileSync } from 'node:fs';
import yargs from 'yargs';
import { LOG_LEVELS, isLogLevel } from './log.js';
import type { LogLevel } from './log.js';

const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
export const DEFAULT_WORKER_REPOSITORY = 'ghcr.io/dataflow-operator/dataflow-worker';
export const DEFAULT_RECONCILE_WORKERS = 8;

export interface ControllerArgs {
  kubeconfig: string | undefined;
  namespaces: string[];
  workerImage: string;
  metricsPort: number;
  healthPort: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  logLevel: LogLevel;
  workers: number;
  heartbeatTimeoutSeconds: number;
  progressTimeoutSeconds: number;
  resyncPeriodSeconds: number;
  /** Directory with tls.crt/tls.key; set = serve the validating webhook on webhookPort. */
  webhookCertDir: string | undefined;
  webhookPort: number;
}

/** A flag or environment variable is wrong; main exits with code 2. */
export class UsageError extends Error {}

/** The operator's version (package.json next to dist/), which tags the default worker image. */
function operatorVersion(): string {
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' && version !== '' ? version : 'dev';
  } catch {
    return 'dev';
  }
}

export function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** The namespace the operator runs in: flag/env, else the in-cluster service account's, else default. */
function ownNamespace(): string {
  const fromEnv = env('POD_NAMESPACE') ?? env('OPERATOR_NAMESPACE');
  if (fromEnv !== undefined) return fromEnv;
  if (existsSync(SERVICE_ACCOUNT_NAMESPACE_FILE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim();
  return 'default';
}

export function parseArgs(argv: string[]): ControllerArgs {
  const parsed = yargs(argv)
    .scriptName('dataflow-controller')
    .usage('$0 [options]\n\nReconciles each DataFlow into its own worker Deployment.')
    .strict()
    .env(false)
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig file (env KUBECONFIG); default: in-cluster config, else ~/.kube/config' })
    .option('namespace', {
      type: 'string',
      array: true,
      describe: 'Namespace to watch; repeat or comma-separate for several (env WATCH_NAMESPACES). Default: all namespaces',
    })
    .option('worker-image', {
      type: 'string',
      describe: `Default worker image (env WORKER_IMAGE); default ${DEFAULT_WORKER_REPOSITORY}:<operator version>`,
    })
    .option('metrics-port', { type: 'number', default: 8080, describe: 'Port of /metrics' })
    .option('health-port', { type: 'number', default: 8081, describe: 'Port of /healthz and /readyz' })
    .option('leader-elect', { type: 'boolean', default: false, describe: 'Run only while holding the Lease dataflow-operator.dataflow.io (for several replicas)' })
    .option('leader-election-namespace', { type: 'string', describe: "Namespace of the Lease; default the operator's own (env POD_NAMESPACE)" })
    .option('log-level', { type: 'string', choices: LOG_LEVELS, describe: 'Log level (env LOG_LEVEL); default info' })
    // 8: a burst of new flows is bound by API round trips, not CPU (bench/RESULTS.md "Controller").
    .option('workers', { type: 'number', default: DEFAULT_RECONCILE_WORKERS, describe: 'DataFlows reconciled in parallel' })
    .option('heartbeat-timeout', { type: 'number', default: 60, describe: 'Seconds without a worker report before a running flow is Degraded' })
    .option('progress-timeout', { type: 'number', default: 60, describe: 'Seconds a worker Deployment may lack available pods before the flow is Degraded' })
    .option('resync-period', { type: 'number', default: 600, describe: 'Seconds between full re-checks of every flow (0 = never)' })
    .option('webhook-cert-dir', {
      type: 'string',
      describe: 'Directory with tls.crt and tls.key (env WEBHOOK_CERT_DIR); when set, serve the DataFlow validating webhook (HTTPS POST /validate)',
    })
    .option('webhook-port', { type: 'number', default: 9443, describe: 'Port of the validating webhook (with --webhook-cert-dir)' })
    .help()
    .version(operatorVersion())
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      throw new UsageError(message);
    })
    .parseSync();

  const integer = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got ${String(value)}`);
    return value;
  };
  const namespaces = (parsed.namespace ?? env('WATCH_NAMESPACES')?.split(',') ?? [])
    .flatMap((n) => String(n).split(','))
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const logLevel = parsed.logLevel ?? env('LOG_LEVEL')?.toLowerCase() ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`log level "${logLevel}" (from LOG_LEVEL) must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    kubeconfig: parsed.kubeconfig ?? env('KUBECONFIG'),
    namespaces: [...new Set(namespaces)],
    workerImage: parsed.workerImage ?? env('WORKER_IMAGE') ?? `${DEFAULT_WORKER_REPOSITORY}:${operatorVersion()}`,
    metricsPort: integer('metrics-port', parsed.metricsPort, 0, 65535),
    healthPort: integer('health-port', parsed.healthPort, 0, 65535),
    leaderElect: parsed.leaderElect,
    leaderElectionNamespace: parsed.leaderElectionNamespace ?? ownNamespace(),
    logLevel,
    workers: integer('workers', parsed.workers, 1, 64),
    heartbeatTimeoutSeconds: integer('heartbeat-timeout', parsed.heartbeatTimeout, 5, 86_400),
    progressTimeoutSeconds: integer('progress-timeout', parsed.progressTimeout, 5, 86_400),
    resyncPeriodSeconds: integer('resync-period', parsed.resyncPeriod, 0, 86_400),
    webhookCertDir: parsed.webhookCertDir ?? env('WEBHOOK_CERT_DIR'),
    webhookPort: integer('webhook-port', parsed.webhookPort, 0, 65535),
  };
}
