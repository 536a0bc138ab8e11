// Builds and runs one flow in this process: plugin context → flow plan → telemetry (metrics, status
// counts, event log, health) → runPipeline. The pod entrypoint (main.ts) and `dataflow run` both
// start flows through here, so a local run behaves exactly like a pod.
import type { DataFlowSpec } from '@dataflow/api';
import type { Registry } from 'prom-client';
import { builtinRegistry } from './connectors/index.js';
import { FlowHealth } from './flow-health.js';
import type { ConnectorName } from './flow-health.js';
import { MemoryCheckpointStore } from './local/file-checkpoint-store.js';
import { LocalSecretReader } from './local/secret-reader.js';
import type { CheckpointStore, FlowIdentity, Logger, PluginContext, SecretReader } from './plugin.js';
import type { ConnectorRegistry } from './registry.js';
import { buildFlow } from './runtime/flow.js';
import type { FlowPlan } from './runtime/flow.js';
import { combineObservers } from './runtime/observer.js';
import type { PipelineObserver } from './runtime/observer.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, runPipeline } from './runtime/pipeline.js';
import type { PipelineSummary } from './runtime/pipeline.js';
import { CountingObserver } from './telemetry/counts.js';
import type { FlowCounts } from './telemetry/counts.js';
import { createEventLog } from './telemetry/events.js';
import { createWorkerMetrics } from './telemetry/metrics.js';

/** Seconds of the pod's termination grace period kept back for closing connections and exiting. */
const EXIT_MARGIN_SECONDS = 5;

export interface RunFlowOptions {
  /** A validated spec with defaults applied. */
  readonly spec: DataFlowSpec;
  readonly flow: FlowIdentity;
  readonly log: Logger;
  /** Default: environment variables only (`DATAFLOW_SECRET_<NAME>_<KEY>`). */
  readonly secrets?: SecretReader;
  /** Default: in memory (a restart starts over). */
  readonly checkpoints?: CheckpointStore;
  /** Default: the built-in connectors. */
  readonly registry?: ConnectorRegistry;
  /** Observers beside the flow's own telemetry (a CLI progress display, a test probe). */
  readonly observers?: readonly PipelineObserver[];
  /** Counts this flow reported before a restart; the status counts continue from them. */
  readonly baseline?: FlowCounts;
  /** Deadline for draining after `signal` aborts; default from spec.terminationGracePeriodSeconds, else 25 s. */
  readonly shutdownTimeoutMs?: number;
  /** Also export Node's process metrics; default true. */
  readonly processMetrics?: boolean;
}

export interface PreparedFlow {
  /** The flow's Prometheus registry (serve it on /metrics). */
  readonly metrics: Registry;
  /** Readiness and liveness for the probes. */
  readonly health: FlowHealth;
  /** The status counts so far (processed, errors, filtered, dead-lettered). */
  counts(): FlowCounts;
  /**
   * Opens the connectors and runs until the source is exhausted or `signal` aborts and the drain
   * finished; rejects with the fatal error (it names the stage and source position). Call once.
   */
  run(signal?: AbortSignal): Promise<PipelineSummary>;
}

/**
 * Builds the flow without opening anything, so probes and metrics can be served before it runs.
 * Throws a ConfigError when the spec cannot be built (an unknown connector type, a bad
 * transformation config).
 */
export function prepareFlow(options: RunFlowOptions): PreparedFlow {
  const { spec, flow, log } = options;
  const context: PluginContext = {
    log,
    flow,
    secrets: options.secrets ?? new LocalSecretReader(),
    checkpoints: options.checkpoints ?? new MemoryCheckpointStore(),
  };
  const plan = buildFlow(spec, context, options.registry ?? builtinRegistry());
  const sinks = sinkBindings(plan);

  const metrics = createWorkerMetrics({
    namespace: flow.namespace,
    name: flow.name,
    sourceType: plan.sourceType,
    sinks: sinks.map((s) => ({ name: s.name, type: s.type })),
    processMetrics: options.processMetrics ?? true,
  });
  const counting = new CountingObserver(options.baseline);
  const events = createEventLog({ log });
  const connectors: ConnectorName[] = [{ role: 'source', name: 'source' }, ...sinks.map((s) => ({ role: 'sink' as const, name: s.name }))];
  const health = new FlowHealth({ connectors });
  const observer = combineObservers(metrics.observer, counting, events, health, ...(options.observers ?? []));
  let started = false;

  return {
    metrics: metrics.registry,
    health,
    counts: () => counting.counts(),
    run(signal?: AbortSignal): Promise<PipelineSummary> {
      if (started) return Promise.reject(new Error(`flow ${flow.namespace}/${flow.name} was already run`));
      started = true;
      return runPipeline({
        ...plan,
        observer,
        log,
        shutdownTimeoutMs: options.shutdownTimeoutMs ?? shutdownTimeoutOf(spec),
        ...(signal === undefined ? {} : { signal }),
      }).finally(() => events.flush());
    },
  };
}

/** Builds and runs the flow to its end (see prepareFlow). */
export function runFlow(options: RunFlowOptions & { readonly signal?: AbortSignal }): Promise<PipelineSummary> {
  return prepareFlow(options).run(options.signal);
}

function sinkBindings(plan: FlowPlan): { name: string; type: string }[] {
  const all = [plan.main, ...plan.routes];
  if (plan.errors !== undefined) all.push(plan.errors);
  return all.map((binding) => ({ name: binding.name, type: binding.type }));
}

/** Drain within the pod's grace period, leaving a few seconds to close and exit before SIGKILL. */
export function shutdownTimeoutOf(spec: DataFlowSpec): number {
  const grace = spec.terminationGracePeriodSeconds;
  if (grace === undefined) return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  return Math.max(1, grace - EXIT_MARGIN_SECONDS) * 1000;
}
