#!/usr/bin/env node
// `dataflow-controller`: the operator process. Flags (and their environment variables) → logger,
// metrics and health endpoints → leader election (optional) → informers, work queue and reconcile
// workers. SIGTERM/SIGINT stop taking work, let running reconciles finish, release the lease, exit 0.
// Exit codes: 0 clean shutdown; 1 the leader lease was lost or start-up failed; 2 bad flags.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { hideBin } from 'yargs/helpers';
import { UsageError, env, parseArgs } from './args.js';
import type { ControllerArgs } from './args.js';
import { EventRecorder } from './events.js';
import { healthRoutes, metricsRoutes, startHttpServer } from './health.js';
import type { RunningServer } from './health.js';
import { ApiKubeClient } from './kube/client.js';
import { errorSummary } from './kube/errors.js';
import { createLogger } from './log.js';
import { startMemoryLog } from './memory-log.js';
import { systemClock } from './manager/clock.js';
import { LeaderElector } from './manager/leader.js';
import { Manager } from './manager/manager.js';
import { ControllerMetrics } from './metrics.js';
import { DataFlowReconciler } from './reconcile/dataflow.js';
import { startWebhookServer } from './webhook/server.js';

const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

function loadKubeConfig(file: string | undefined): KubeConfig {
  const config = new KubeConfig();
  if (file !== undefined) config.loadFromFile(file);
  else if (env('KUBERNETES_SERVICE_HOST') !== undefined) config.loadFromCluster();
  else config.loadFromDefault();
  if (config.getCurrentCluster() === null) throw new UsageError('no Kubernetes cluster configured (use --kubeconfig or run in a cluster)');
  return config;
}

async function run(args: ControllerArgs, log: Logger): Promise<number> {
  const kubeConfig = loadKubeConfig(args.kubeconfig);
  const identity = `${env('POD_NAME') ?? hostname()}_${randomUUID().slice(0, 8)}`;
  const clock = systemClock;
  const metrics = new ControllerMetrics({ processMetrics: true });
  const stop = new AbortController();
  let manager: Manager | undefined;
  let standby = args.leaderElect;

  const servers: RunningServer[] = [
    await startHttpServer(args.metricsPort, metricsRoutes(metrics)),
    await startHttpServer(args.healthPort, healthRoutes({ live: () => true, ready: () => (standby && !stop.signal.aborted) || manager?.synced === true })),
  ];
  // Every replica answers admission reviews, leader or not: the webhook needs no cache.
  if (args.webhookCertDir !== undefined) servers.push(await startWebhookServer({ port: args.webhookPort, certDir: args.webhookCertDir, log }));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'Second signal; exiting at once');
      process.exit(130);
    }
    log.info({ signal }, 'Shutting down');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info(
    { identity, namespaces: args.namespaces.length === 0 ? 'all' : args.namespaces, workerImage: args.workerImage, leaderElect: args.leaderElect },
    'Starting DataFlow controller',
  );
  const api = new ApiKubeClient(kubeConfig);
  const elector = args.leaderElect ? new LeaderElector({ client: api, namespace: args.leaderElectionNamespace, identity, clock, log }) : undefined;
  let exitCode: number = EXIT.ok;
  try {
    if (elector !== undefined && !(await elector.acquire(stop.signal))) return EXIT.ok;
    standby = false;
    const events = new EventRecorder({ client: api, log, instance: identity });
    manager = new Manager({
      kubeConfig,
      namespaces: args.namespaces,
      log,
      metrics,
      clock,
      workers: args.workers,
      resyncPeriodMs: args.resyncPeriodSeconds * 1000,
      reconciler: (client) =>
        new DataFlowReconciler({
          client,
          events,
          metrics,
          log,
          defaultWorkerImage: args.workerImage,
          heartbeatTimeoutMs: args.heartbeatTimeoutSeconds * 1000,
          progressTimeoutMs: args.progressTimeoutSeconds * 1000,
        }),
    });
    const started = manager.start();
    if (elector !== undefined) {
      // Keep renewing while working; a lost lease means another instance may already be reconciling.
      if ((await elector.hold(stop.signal)) === 'lost') exitCode = EXIT.failed;
    } else {
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    stop.abort();
    // After losing the lease another instance may already be working: stop at once, no draining.
    await manager.stop(exitCode === EXIT.failed ? 0 : 30_000);
    await started;
  } finally {
    await elector?.release();
    await Promise.all(servers.map((server) => server.close()));
  }
  log.info({ exitCode }, 'Stopped DataFlow controller');
  return exitCode;
}

async function main(): Promise<void> {
  let args: ControllerArgs;
  try {
    args = parseArgs(hideBin(process.argv));
  } catch (error) {
    process.stderr.write(`dataflow-controller: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.invalid;
    return;
  }
  const log = createLogger(args.logLevel);
  const memoryLogSeconds = env('DATAFLOW_MEMORY_LOG_SECONDS');
  const stopMemoryLog = startMemoryLog(log, memoryLogSeconds === undefined ? undefined : Number(memoryLogSeconds));
  try {
    process.exitCode = await run(args, log);
  } catch (error) {
    if (error instanceof UsageError) {
      log.error({ error: errorSummary(error) }, 'Invalid configuration');
      process.exitCode = EXIT.invalid;
    } else {
      log.fatal({ error: errorSummary(error) }, 'Controller failed');
      process.exitCode = EXIT.failed;
    }
  }
  stopMemoryLog();
  // Anything still holding the event loop (a stuck watch) must not keep a stopped operator alive.
  setTimeout(() => process.exit(), 2000).unref();
}

await main();
