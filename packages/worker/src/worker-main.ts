// `dataflow-worker --config <flow.json>` (loaded by main.ts, the pod entrypoint). Runs exactly one flow:
// worker config → logger, metrics, probes, status reporting → pipeline → exit.
// Exit codes: 0 the flow finished or drained after SIGTERM/SIGINT; 1 the flow failed (the log names
// the stage and source position); 2 the config or the command line is invalid; 130 a second signal.
import { readFile } from 'node:fs/promises';
import { SpecValidationError, applyDefaults, parseWorkerConfig } from '@dataflow/api';
import type { WorkerConfig } from '@dataflow/api';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError, errorMessage } from './errors.js';
import { DEFAULT_HEALTH_PORT, startHealthServer } from './health.js';
import type { HealthServer } from './health.js';
import { startClusterServices } from './kube/cluster-services.js';
import { InClusterApi, runsInCluster } from './kube/in-cluster.js';
import { FileCheckpointStore, MemoryCheckpointStore } from './local/file-checkpoint-store.js';
import { LocalSecretReader } from './local/secret-reader.js';
import { handleShutdownSignals } from './local/shutdown-signals.js';
import { logProcessWarnings } from './process-warnings.js';
import type { CheckpointStore, Logger } from './plugin.js';
import { prepareFlow } from './run-flow.js';
import type { PreparedFlow } from './run-flow.js';
import { LOG_LEVELS, createLogger, isLogLevel } from './telemetry/logger.js';
import type { RootLogger } from './telemetry/logger.js';
import type { FlowCounts } from './telemetry/counts.js';
import { LocalStatusReporter, startStatusReporting } from './telemetry/status-reporter.js';
import type { StatusReporter } from './telemetry/status-reporter.js';

const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;
const DEFAULT_STATE_DIR = './.dataflow-state';

interface WorkerArgs {
  config: string;
  port: number;
  stateDir: string;
  secretsDir: string | undefined;
  statusFile: string | undefined;
  logLevel: string | undefined;
  /** true/false when given; undefined = detect (POD_NAME and a service-account token). */
  kubernetes: boolean | undefined;
}

/** Problems found before the flow starts: printed plainly on stderr, exit code 2. */
class StartupError extends Error {}

function parseArgs(argv: string[]): WorkerArgs {
  const envPort = process.env['DATAFLOW_HTTP_PORT'];
  const parsed = yargs(argv)
    .scriptName('dataflow-worker')
    .usage('$0 --config <flow.json> [options]\n\nRuns one DataFlow from its worker config (the ConfigMap the operator renders).')
    .strict()
    .option('config', { type: 'string', demandOption: true, describe: 'Worker config JSON (version, flow, spec)' })
    .option('port', {
      type: 'number',
      default: envPort === undefined || envPort === '' ? DEFAULT_HEALTH_PORT : Number(envPort),
      describe: 'Port of /metrics, /livez, /readyz, /healthz (env DATAFLOW_HTTP_PORT)',
    })
    .option('state-dir', { type: 'string', default: DEFAULT_STATE_DIR, describe: 'Directory for checkpoints of polling sources' })
    .option('secrets-dir', { type: 'string', describe: 'Mounted Secrets: <dir>/<secret name>/<key> (else env DATAFLOW_SECRET_<NAME>_<KEY>)' })
    .option('status-file', { type: 'string', describe: 'Write the flow counts to this JSON file (default: to the log at debug level)' })
    .option('log-level', { type: 'string', choices: LOG_LEVELS, describe: 'Overrides env LOG_LEVEL and spec.logLevel' })
    .option('kubernetes', {
      type: 'boolean',
      describe:
        'Report status to the DataFlow and keep checkpoints in its ConfigMap via the API server (default: when POD_NAME is set and a service-account token is mounted; --no-kubernetes forces local)',
    })
    .help()
    .version(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      throw new StartupError(message);
    })
    .parseSync();
  if (!Number.isInteger(parsed.port) || parsed.port < 0 || parsed.port > 65535) {
    throw new StartupError(`--port (or DATAFLOW_HTTP_PORT) must be an integer in 0..65535, got ${String(parsed.port)}`);
  }
  return {
    config: parsed.config,
    port: parsed.port,
    stateDir: parsed.stateDir,
    secretsDir: parsed.secretsDir,
    statusFile: parsed.statusFile,
    logLevel: parsed.logLevel,
    kubernetes: parsed.kubernetes,
  };
}

async function loadConfig(file: string): Promise<WorkerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new StartupError(`cannot read worker config ${file}: ${errorMessage(error)}`);
  }
  try {
    const config = parseWorkerConfig(text);
    // The operator renders configs with defaults applied; a hand-written one gets them here.
    return { ...config, spec: applyDefaults(config.spec, config.flow) };
  } catch (error) {
    if (!(error instanceof SpecValidationError)) throw error;
    const count = error.issues.length;
    const lines = error.issues.map((issue) => `  ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`);
    throw new StartupError([`invalid worker config ${file} (${count} issue${count === 1 ? '' : 's'}):`, ...lines].join('\n'));
  }
}

/** Flag, then env LOG_LEVEL, then spec.logLevel, then info. */
function logLevelOf(args: WorkerArgs, config: WorkerConfig): string {
  const env = process.env['LOG_LEVEL'];
  const level = args.logLevel ?? (env === undefined || env === '' ? undefined : env.toLowerCase()) ?? config.spec.logLevel ?? 'info';
  if (!isLogLevel(level)) throw new StartupError(`log level "${level}" (from LOG_LEVEL) is not one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

async function checkpointStoreOf(args: WorkerArgs, config: WorkerConfig): Promise<CheckpointStore> {
  if (config.spec.checkpointPersistence === false) return new MemoryCheckpointStore();
  const store = new FileCheckpointStore(args.stateDir, config.flow);
  if (config.spec.checkpointReset === true) await store.reset();
  return store;
}

/** Where status, baseline and checkpoints live: the API server in a pod, files or the log elsewhere. */
interface FlowServices {
  readonly statusReporter: StatusReporter;
  /** The Kubernetes status doubles as the heartbeat the controller watches. */
  readonly heartbeat: boolean;
  readonly baseline: FlowCounts | undefined;
  readonly checkpoints: CheckpointStore;
  /** Writes what the checkpoint store still holds back; rejects when it cannot. */
  closeCheckpoints(): Promise<void>;
}

async function flowServicesOf(args: WorkerArgs, config: WorkerConfig, log: Logger): Promise<FlowServices> {
  if (!(args.kubernetes ?? runsInCluster())) {
    return {
      statusReporter: new LocalStatusReporter(args.statusFile === undefined ? { log: atDebug(log) } : { file: args.statusFile }),
      heartbeat: false,
      baseline: undefined,
      checkpoints: await checkpointStoreOf(args, config),
      closeCheckpoints: () => Promise.resolve(),
    };
  }
  const podName = process.env['POD_NAME'];
  if (podName === undefined || podName === '') throw new Error('running in Kubernetes mode needs env POD_NAME (downward API metadata.name)');
  const api = await InClusterApi.fromEnvironment();
  const services = await startClusterServices({ api, flow: config.flow, spec: config.spec, podName, startedAt: new Date(), log });
  log.info({ apiNamespace: api.namespace, pod: podName }, 'reporting status to the DataFlow and keeping checkpoints in the API server');
  const { statusReporter, baseline, checkpoints } = services;
  return { statusReporter, heartbeat: true, baseline, checkpoints, closeCheckpoints: () => checkpoints.close() };
}

/** The status reporter writes at info; without a status file those lines belong at debug. */
function atDebug(log: Logger): Logger {
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.debug(obj, msg),
    warn: (obj, msg) => log.warn(obj, msg),
    error: (obj, msg) => log.error(obj, msg),
    child: (bindings) => atDebug(log.child(bindings)),
  };
}

async function runWorker(args: WorkerArgs, config: WorkerConfig, log: RootLogger): Promise<number> {
  const shutdown = handleShutdownSignals({ log, beforeForcedExit: () => log.flush() });
  let services: FlowServices;
  try {
    services = await flowServicesOf(args, config, log);
  } catch (error) {
    shutdown.dispose();
    log.error({ err: error }, 'cannot set up status reporting and checkpoints');
    return EXIT.failed;
  }
  let flow: PreparedFlow;
  try {
    flow = prepareFlow({
      spec: config.spec,
      flow: config.flow,
      log,
      secrets: new LocalSecretReader(args.secretsDir === undefined ? {} : { secretsDir: args.secretsDir }),
      checkpoints: services.checkpoints,
      ...(services.baseline === undefined ? {} : { baseline: services.baseline }),
    });
  } catch (error) {
    shutdown.dispose();
    if (!(error instanceof ConfigError)) throw error;
    log.error({ err: error }, 'the flow cannot be built from its config');
    return EXIT.invalid;
  }

  let health: HealthServer;
  try {
    health = await startHealthServer({
      port: args.port,
      registry: flow.metrics,
      isLive: () => flow.health.isLive(),
      isReady: () => flow.health.isReady(),
      log,
    });
  } catch (error) {
    shutdown.dispose();
    log.error({ err: error }, 'cannot serve probes and metrics');
    return EXIT.failed;
  }
  const status = startStatusReporting({ reporter: services.statusReporter, counts: () => flow.counts(), heartbeat: services.heartbeat, log });

  const { spec } = config;
  log.info({ source: spec.source.type, sink: spec.sink.type, transformations: spec.transformations?.length ?? 0 }, 'flow starting');
  let exit: number = EXIT.ok;
  try {
    const summary = await flow.run(shutdown.signal);
    log.info({ summary }, shutdown.signal.aborted ? 'flow stopped after draining' : 'flow finished: the source is exhausted');
  } catch (error) {
    log.error({ err: error }, 'flow failed');
    exit = EXIT.failed;
  }
  try {
    await services.closeCheckpoints();
  } catch (error) {
    // The flow itself ended fine; the last checkpoint is lost and its rows are read again.
    log.error({ err: error }, 'the final checkpoint could not be saved; the source resumes from the previous one');
    exit = EXIT.failed;
  }
  await status.stop();
  await health.close();
  shutdown.dispose();
  return exit;
}

/** Runs the worker for the command line of this process; resolves with its exit code. */
export async function main(): Promise<number> {
  let args: WorkerArgs;
  let config: WorkerConfig;
  let log: RootLogger;
  try {
    args = parseArgs(hideBin(process.argv));
    config = await loadConfig(args.config);
    log = createLogger({ level: logLevelOf(args, config), flow: config.flow });
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    process.stderr.write(`dataflow-worker: ${error.message}\n`);
    return EXIT.invalid;
  }
  logProcessWarnings(log);
  try {
    return await runWorker(args, config, log);
  } finally {
    log.flush();
  }
}
