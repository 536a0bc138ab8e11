// `dataflow run <flow>`: runs a DataFlow in this process, no cluster — the same flow builder,
// connectors, runtime and telemetry as the worker pod. Ctrl-C drains (a second Ctrl-C quits at
// once). When the flow ends, a summary goes to stderr (stdout with --json).
// Exit 0: finished or drained; 1: invalid flow or the flow failed; 2: unreadable file or bad usage;
// 130: interrupted twice.
import { ConfigError, LOG_LEVELS, LocalSecretReader, FileCheckpointStore, MemoryCheckpointStore, createLogger, errorMessage, handleShutdownSignals, logProcessWarnings, prepareFlow, startHealthServer } from '@dataflow/worker';
import type { CheckpointStore, HealthServer, PipelineObserver, PreparedFlow, RootLogger } from '@dataflow/worker';
import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';
import { FlowFileError, loadFlow } from '../flow-file.js';
import type { LoadedFlow } from '../flow-file.js';
import { reportJson, reportText } from '../run-summary.js';

interface RunArgs {
  file: string;
  json: boolean;
  logLevel: string;
  metricsPort: number | undefined;
  secretsDir: string | undefined;
  stateDir: string;
}

/** Remembers each sink's connector type, for the summary. */
function sinkTypeRecorder(types: Map<string, string>): PipelineObserver {
  const ignore = (): void => undefined;
  return {
    read: ignore,
    transformed: ignore,
    filtered: ignore,
    recordFailed: ignore,
    written: (sink, type) => types.set(sink, type),
    writeRetried: ignore,
    deadLettered: ignore,
    committed: ignore,
    queueSize: ignore,
    connection: (role, name, type) => {
      if (role === 'sink') types.set(name, type);
    },
  };
}

async function checkpointsOf(flow: LoadedFlow, stateDir: string): Promise<CheckpointStore> {
  if (flow.spec.checkpointPersistence === false) return new MemoryCheckpointStore();
  const store = new FileCheckpointStore(stateDir, flow);
  if (flow.spec.checkpointReset === true) await store.reset();
  return store;
}

export async function runFlowFile(args: RunArgs): Promise<number> {
  let loaded: LoadedFlow;
  try {
    loaded = await loadFlow(args.file);
  } catch (error) {
    if (!(error instanceof FlowFileError)) throw error;
    for (const line of error.lines) console.error(line);
    return error.exitCode;
  }
  // Logs go to stderr: stdout belongs to stdout sinks (and to --json).
  const log: RootLogger = createLogger({ level: args.logLevel, flow: loaded, destination: process.stderr });
  logProcessWarnings(log);
  const sinkTypes = new Map<string, string>();
  let flow: PreparedFlow;
  try {
    flow = prepareFlow({
      spec: loaded.spec,
      flow: loaded,
      log,
      secrets: new LocalSecretReader(args.secretsDir === undefined ? {} : { secretsDir: args.secretsDir }),
      checkpoints: await checkpointsOf(loaded, args.stateDir),
      observers: [sinkTypeRecorder(sinkTypes)],
      processMetrics: args.metricsPort !== undefined,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${args.file}: ${error.message}`);
    return EXIT.invalid;
  }

  let metrics: HealthServer | undefined;
  if (args.metricsPort !== undefined) {
    try {
      metrics = await startHealthServer({
        port: args.metricsPort,
        host: '127.0.0.1',
        registry: flow.metrics,
        isLive: () => flow.health.isLive(),
        isReady: () => flow.health.isReady(),
        log,
      });
    } catch (error) {
      console.error(`dataflow run: ${errorMessage(error)}`);
      return EXIT.unreadable;
    }
    console.error(`metrics: http://127.0.0.1:${metrics.port}/metrics`);
  }

  const shutdown = handleShutdownSignals({
    log,
    onStop: () => console.error('stopping: draining in-flight messages (Ctrl-C again to quit at once)'),
    beforeForcedExit: () => log.flush(),
  });
  try {
    const summary = await flow.run(shutdown.signal);
    const report = { namespace: loaded.namespace, name: loaded.name, stopped: shutdown.signal.aborted, summary, sinkTypes };
    if (args.json) process.stdout.write(`${reportJson(report)}\n`);
    else process.stderr.write(reportText(report));
    return EXIT.ok;
  } catch (error) {
    // The runtime's message names the stage and the source position of the record.
    console.error(`DataFlow ${loaded.namespace}/${loaded.name} failed: ${errorMessage(error)}`);
    return EXIT.invalid;
  } finally {
    shutdown.dispose();
    await metrics?.close();
    log.flush();
  }
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'Run a DataFlow locally (no cluster) until its source is exhausted or Ctrl-C, then print a summary',
  // yargs types the kebab-case option names; the handler reads their camelCase twins.
  builder: (yargs: Argv) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'DataFlow manifest or bare spec (YAML or JSON)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout' })
      .option('log-level', { type: 'string', choices: LOG_LEVELS, default: 'warn', describe: 'Worker log level (logs go to stderr)' })
      .option('metrics-port', { type: 'number', describe: 'Serve /metrics and the probes on 127.0.0.1:<port> while running' })
      .option('secrets-dir', { type: 'string', describe: 'Secrets as files <dir>/<secret name>/<key> (else env DATAFLOW_SECRET_<NAME>_<KEY>)' })
      .option('state-dir', { type: 'string', default: './.dataflow-state', describe: 'Where polling sources keep their checkpoints' }) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    process.exitCode = await runFlowFile(argv);
  },
};
