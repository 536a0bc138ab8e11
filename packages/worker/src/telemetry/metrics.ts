// Prometheus metrics of one worker, in its own registry (never prom-client's global one). Names and
// label names follow upstream (upstream-reference.md §6.1) so its dashboard and alerts keep working;
// the upstream bugs of §9.4 item 34 are fixed:
// - `dataflow_messages_sent_total` counts records after the sink confirmed the write, once; records
//   written to the error sink count only there, with route="error".
// - connector metrics exist for every connector, and `connector_name` is the connector's real name
//   (`source`, `main`, `route[0]`, `errors`), not its role.
// - `error_type` comes from the error's code (./error-type.ts), not a constant.
// - `dataflow_task_end_to_end_latency_seconds` runs from the read to the commit of the source
//   position: real delivery latency. Its buckets reach 32 s so the upstream alert (p99 > 5 s) can fire.
// - throughput, success rate and active messages are computed at scrape time, so they fall back
//   when the flow goes idle instead of freezing at their last busy value.
// The runtime reports per batch (./../runtime/observer.ts); every call here is a few map lookups.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { PipelineObserver } from '../runtime/observer.js';
import { BulkHistogram } from './bulk-histogram.js';
import { errorTypeLabel } from './error-type.js';
import { RateWindow } from './rate-window.js';
import type { Clock } from './rate-window.js';

/** Sink names as the runtime uses them in observer calls and error stages. */
export const MAIN_SINK = 'main';
export const ERROR_SINK = 'errors';
/** `connector_name` of the flow's source. */
export const SOURCE_NAME = 'source';

export interface WorkerMetricsOptions {
  readonly namespace: string;
  readonly name: string;
  readonly sourceType: string;
  /** Defaults to a fresh registry owned by these metrics. */
  readonly registry?: Registry;
  /** Sinks known at start; their series exist (at 0) from the first scrape, so rate() works at once. */
  readonly sinks?: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** Window of the throughput and success-rate gauges; default 60 s. */
  readonly rateWindowSeconds?: number;
  /** Also export Node's process metrics (memory, CPU, event loop); default true. */
  readonly processMetrics?: boolean;
  /** Milliseconds clock for the rate window (tests inject one). */
  readonly now?: Clock;
}

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly observer: PipelineObserver;
}

/** The `route` label of a sink: upstream's `default` for the main sink, `error` for the error sink. */
export function routeLabel(sink: string): string {
  if (sink === MAIN_SINK) return 'default';
  if (sink === ERROR_SINK) return 'error';
  return sink;
}

/** Upstream `stage` label values for the runtime's error stages. */
function stageLabel(stage: string): string {
  const transform = /^transform:(\d+):/.exec(stage);
  if (transform) return `transformer_${transform[1]}`;
  if (stage === `sink:${ERROR_SINK}`) return 'error_sink_write';
  if (stage.startsWith('sink:')) return 'sink_write';
  if (stage === 'route') return 'routing';
  return stage;
}

/** Returns the cached child for `key`, creating it once; prom-client's own label lookup hashes on every call. */
function cached<C>(cache: Map<string, C>, key: string, create: () => C): C {
  let child = cache.get(key);
  if (child === undefined) {
    child = create();
    cache.set(key, child);
  }
  return child;
}

export function createWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const flow = { namespace: options.namespace, name: options.name };
  const now = options.now ?? Date.now;
  const windowSeconds = options.rateWindowSeconds ?? 60;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  // Scrape-time state: totals for active messages, windows for throughput and success rate.
  let readTotal = 0;
  let committedTotal = 0;
  const committedWindow = new RateWindow(windowSeconds, now);
  const succeededWindow = new RateWindow(windowSeconds, now);
  const failedWindow = new RateWindow(windowSeconds, now);
  const sinkTypes = new Map<string, string>();
  for (const sink of options.sinks ?? []) sinkTypes.set(sink.name, sink.type);

  // --- Messages (upstream names) ---
  const received = new Counter({
    name: 'dataflow_messages_received_total',
    help: 'Messages read from the source.',
    labelNames: ['namespace', 'name', 'source_type'] as const,
    registers,
  }).labels({ ...flow, source_type: options.sourceType });
  const sent = new Counter({
    name: 'dataflow_messages_sent_total',
    help: 'Records a sink confirmed as written (error-sink records have route="error").',
    labelNames: ['namespace', 'name', 'sink_type', 'route'] as const,
    registers,
  });
  const processing = new Histogram({
    name: 'dataflow_processing_duration_seconds',
    help: 'Transformation time per source message (one observation per batch: its mean per message).',
    labelNames: ['namespace', 'name'] as const,
    buckets: exponentialBuckets(0.001, 2, 10),
    registers,
    // A batch's transform steps arrive one call each; the batch is observed once complete.
    collect: () => flushProcessing(),
  });
  const processingChild = processing.labels(flow);

  // --- Our own message outcomes ---
  const filtered = new Counter({
    name: 'dataflow_messages_filtered_total',
    help: 'Source messages that produced no output (filtered out); they are committed, not lost.',
    labelNames: ['namespace', 'name'] as const,
    registers,
  }).labels(flow);
  const deadLettered = new Counter({
    name: 'dataflow_messages_dead_lettered_total',
    help: 'Records written to the error sink.',
    labelNames: ['namespace', 'name'] as const,
    registers,
  }).labels(flow);
  const committed = new Counter({
    name: 'dataflow_messages_committed_total',
    help: 'Source positions committed: every output written, filtered or dead-lettered.',
    labelNames: ['namespace', 'name'] as const,
    registers,
  }).labels(flow);

  // --- Connectors ---
  const connectorRead = new Counter({
    name: 'dataflow_connector_messages_read_total',
    help: 'Messages a source connector read.',
    labelNames: ['namespace', 'name', 'connector_type', 'connector_name'] as const,
    registers,
  }).labels({ ...flow, connector_type: options.sourceType, connector_name: SOURCE_NAME });
  const connectorWritten = new Counter({
    name: 'dataflow_connector_messages_written_total',
    help: 'Records a sink connector confirmed as written.',
    labelNames: ['namespace', 'name', 'connector_type', 'connector_name', 'route'] as const,
    registers,
  });
  const connectorErrors = new Counter({
    name: 'dataflow_connector_errors_total',
    help: 'Connector failures: failed write attempts (retried) and records a connector rejected or could not decode.',
    labelNames: ['namespace', 'name', 'connector_type', 'connector_name', 'operation', 'error_type'] as const,
    registers,
  });
  const connectionStatus = new Gauge({
    name: 'dataflow_connector_connection_status',
    help: '1 while the connector is connected, 0 otherwise.',
    labelNames: ['namespace', 'name', 'connector_type', 'connector_name'] as const,
    registers,
  });

  // --- Transformers ---
  const transformerLabels = ['namespace', 'name', 'transformer_type', 'transformer_index'] as const;
  const transformerExecutions = new Counter({
    name: 'dataflow_transformer_executions_total',
    help: 'Messages a transformation step was applied to (failures are also in dataflow_transformer_errors_total).',
    labelNames: transformerLabels,
    registers,
  });
  const transformerErrors = new Counter({
    name: 'dataflow_transformer_errors_total',
    help: 'Messages a transformation step failed on.',
    labelNames: [...transformerLabels, 'error_type'] as const,
    registers,
  });
  const transformerDuration = new Histogram({
    name: 'dataflow_transformer_duration_seconds',
    help: 'Time of one transformation step per message (one observation per batch: its mean per message).',
    labelNames: transformerLabels,
    buckets: exponentialBuckets(0.0001, 2, 12),
    registers,
  });
  const transformerIn = new Counter({
    name: 'dataflow_transformer_messages_in_total',
    help: 'Messages entering a transformation step.',
    labelNames: transformerLabels,
    registers,
  });
  const transformerOut = new Counter({
    name: 'dataflow_transformer_messages_out_total',
    help: 'Messages leaving a transformation step.',
    labelNames: transformerLabels,
    registers,
  });

  // --- Task ---
  const operations = new Counter({
    name: 'dataflow_task_operations_total',
    help: 'Per-message operations by outcome: transform, sink_write, error_sink_write (a failed write attempt counts once).',
    labelNames: ['namespace', 'name', 'operation', 'status'] as const,
    registers,
  });
  const stageErrors = new Counter({
    name: 'dataflow_task_stage_errors_total',
    help: 'Record-level failures by stage (decode, transformer_<i>, routing, sink_write, error_sink_write).',
    labelNames: ['namespace', 'name', 'stage', 'error_type'] as const,
    registers,
  });
  const stageDuration = new Histogram({
    name: 'dataflow_task_stage_duration_seconds',
    help: 'Duration of one batch in a stage (transformer_<i>, sink_write, error_sink_write).',
    labelNames: ['namespace', 'name', 'stage'] as const,
    buckets: exponentialBuckets(0.0001, 2, 14),
    registers,
  });
  // Observed for every committed message, hence the batch-friendly histogram.
  const endToEnd = new BulkHistogram({
    name: 'dataflow_task_end_to_end_latency_seconds',
    help: 'From reading a source message to committing its position (all outputs delivered).',
    labels: flow,
    buckets: exponentialBuckets(0.001, 2, 16),
    registers,
  });
  // Not in upstream (its dashboard had no consumer lag); named after the Kafka consumer's own term.
  const consumerLag = new Gauge({
    name: 'dataflow_kafka_consumer_lag',
    help: 'Kafka messages not consumed yet per partition: the high watermark of the last fetch minus the committed offset.',
    labelNames: ['namespace', 'name', 'topic', 'partition'] as const,
    registers,
  });
  /** Partitions reported last time (`topic\u0000partition`), so revoked ones lose their series. */
  let lagSeries = new Map<string, { topic: string; partition: string }>();
  const queueSize = new Gauge({
    name: 'dataflow_task_queue_size',
    help: 'Messages waiting in a bounded buffer of the pipeline.',
    labelNames: ['namespace', 'name', 'queue_type'] as const,
    registers,
  });
  new Gauge({
    name: 'dataflow_task_active_messages',
    help: 'Source messages read but not committed yet (computed at scrape time).',
    labelNames: ['namespace', 'name'] as const,
    registers,
    collect() {
      this.labels(flow).set(readTotal - committedTotal);
    },
  });
  new Gauge({
    name: 'dataflow_task_throughput_messages_per_second',
    help: `Source messages committed per second over the last ${windowSeconds} s (computed at scrape time; 0 when idle).`,
    labelNames: ['namespace', 'name'] as const,
    registers,
    collect() {
      this.labels(flow).set(committedWindow.perSecond());
    },
  });
  new Gauge({
    name: 'dataflow_task_success_rate',
    help: `Records delivered or filtered / (those + records that failed), over the last ${windowSeconds} s; 1 without traffic.`,
    labelNames: ['namespace', 'name'] as const,
    registers,
    collect() {
      const ok = succeededWindow.sum();
      const failed = failedWindow.sum();
      // An idle flow has failed nothing: reporting 0 would fire the low-success-rate alert on it.
      this.labels(flow).set(ok + failed === 0 ? 1 : ok / (ok + failed));
    },
  });

  // Cached children, keyed by their variable label values.
  const sentChildren = new Map<string, Counter.Internal>();
  const writtenChildren = new Map<string, Counter.Internal>();
  const connectorErrorChildren = new Map<string, Counter.Internal>();
  const connectionChildren = new Map<string, Gauge.Internal<string>>();
  const operationChildren = new Map<string, Counter.Internal>();
  const stageErrorChildren = new Map<string, Counter.Internal>();
  const stageDurationChildren = new Map<string, Histogram.Internal<string>>();
  const queueChildren = new Map<string, Gauge.Internal<string>>();
  interface TransformerChildren {
    executions: Counter.Internal;
    duration: Histogram.Internal<string>;
    in: Counter.Internal;
    out: Counter.Internal;
  }
  const transformerChildren = new Map<string, TransformerChildren>();

  const sentFor = (sink: string, sinkType: string): Counter.Internal =>
    cached(sentChildren, `${sink}\u0000${sinkType}`, () => sent.labels({ ...flow, sink_type: sinkType, route: routeLabel(sink) }));
  const writtenFor = (sink: string, sinkType: string): Counter.Internal =>
    cached(writtenChildren, `${sink}\u0000${sinkType}`, () =>
      connectorWritten.labels({ ...flow, connector_type: sinkType, connector_name: sink, route: routeLabel(sink) }),
    );
  const connectorErrorFor = (type: string, connector: string, operation: string, errorType: string): Counter.Internal =>
    cached(connectorErrorChildren, [type, connector, operation, errorType].join('\u0000'), () =>
      connectorErrors.labels({ ...flow, connector_type: type, connector_name: connector, operation, error_type: errorType }),
    );
  const connectionFor = (type: string, connector: string): Gauge.Internal<string> =>
    cached(connectionChildren, `${type}\u0000${connector}`, () =>
      connectionStatus.labels({ ...flow, connector_type: type, connector_name: connector }),
    );
  const operationFor = (operation: string, status: 'success' | 'error'): Counter.Internal =>
    cached(operationChildren, `${operation}\u0000${status}`, () => operations.labels({ ...flow, operation, status }));
  const stageErrorFor = (stage: string, errorType: string): Counter.Internal =>
    cached(stageErrorChildren, `${stage}\u0000${errorType}`, () => stageErrors.labels({ ...flow, stage, error_type: errorType }));
  const stageDurationFor = (stage: string): Histogram.Internal<string> =>
    cached(stageDurationChildren, stage, () => stageDuration.labels({ ...flow, stage }));
  const transformerFor = (index: number, type: string): TransformerChildren =>
    cached(transformerChildren, `${index}\u0000${type}`, () => {
      const labels = { ...flow, transformer_type: type, transformer_index: String(index) };
      return {
        executions: transformerExecutions.labels(labels),
        duration: transformerDuration.labels(labels),
        in: transformerIn.labels(labels),
        out: transformerOut.labels(labels),
      };
    });
  const writeOperation = (sink: string): string => (sink === ERROR_SINK ? 'error_sink_write' : 'sink_write');
  const sinkTypeOf = (sink: string): string => sinkTypes.get(sink) ?? 'unknown';

  // One source batch passes the steps in index order; a step index that does not grow starts the next batch.
  let pendingMessages = 0;
  let pendingSeconds = 0;
  let lastStep = -1;
  function flushProcessing(): void {
    if (pendingMessages > 0) processingChild.observe(pendingSeconds / pendingMessages);
    pendingMessages = 0;
    pendingSeconds = 0;
    lastStep = -1;
  }

  // Series that exist from the first scrape (stable label sets, rate() defined from the start).
  received.inc(0);
  connectorRead.inc(0);
  filtered.inc(0);
  deadLettered.inc(0);
  committed.inc(0);
  connectionFor(options.sourceType, SOURCE_NAME).set(0);
  for (const [sink, type] of sinkTypes) {
    sentFor(sink, type).inc(0);
    writtenFor(sink, type).inc(0);
    connectionFor(type, sink).set(0);
  }

  const observer: PipelineObserver = {
    read(count) {
      readTotal += count;
      received.inc(count);
      connectorRead.inc(count);
    },
    transformed(index, type, inCount, outCount, seconds) {
      if (index <= lastStep) flushProcessing();
      if (lastStep === -1) pendingMessages = inCount;
      lastStep = index;
      pendingSeconds += seconds;

      const children = transformerFor(index, type);
      children.executions.inc(inCount);
      children.in.inc(inCount);
      children.out.inc(outCount);
      if (inCount > 0) children.duration.observe(seconds / inCount);
      stageDurationFor(`transformer_${index}`).observe(seconds);
      operationFor('transform', 'success').inc(inCount);
    },
    filtered(count) {
      filtered.inc(count);
      succeededWindow.add(count);
    },
    recordFailed(stage, errorType, count) {
      const error_type = errorTypeLabel(errorType);
      failedWindow.add(count);
      stageErrorFor(stageLabel(stage), error_type).inc(count);
      const transform = /^transform:(\d+):(.+)$/.exec(stage);
      if (transform) {
        const [, index = '', type = ''] = transform;
        transformerErrors.labels({ ...flow, transformer_type: type, transformer_index: index, error_type }).inc(count);
        operationFor('transform', 'error').inc(count);
      } else if (stage.startsWith('sink:')) {
        const sink = stage.slice('sink:'.length);
        connectorErrorFor(sinkTypeOf(sink), sink, 'write', error_type).inc(count);
        operationFor(writeOperation(sink), 'error').inc(count);
      } else if (stage === 'decode') {
        connectorErrorFor(options.sourceType, SOURCE_NAME, 'decode', error_type).inc(count);
      }
    },
    written(sink, sinkType, count, seconds) {
      sinkTypes.set(sink, sinkType);
      sentFor(sink, sinkType).inc(count);
      writtenFor(sink, sinkType).inc(count);
      operationFor(writeOperation(sink), 'success').inc(count);
      stageDurationFor(writeOperation(sink)).observe(seconds);
      if (sink !== ERROR_SINK) succeededWindow.add(count);
    },
    writeRetried(sink, sinkType, errorType) {
      sinkTypes.set(sink, sinkType);
      connectorErrorFor(sinkType, sink, 'write', errorTypeLabel(errorType)).inc();
      operationFor(writeOperation(sink), 'error').inc();
    },
    deadLettered(count) {
      deadLettered.inc(count);
    },
    committed(count, endToEndSeconds) {
      committedTotal += count;
      committed.inc(count);
      committedWindow.add(count);
      endToEnd.observeMany(endToEndSeconds);
    },
    queueSize(queue, size) {
      cached(queueChildren, queue, () => queueSize.labels({ ...flow, queue_type: queue })).set(size);
    },
    connection(role, name, type, up) {
      // The source is always `source`, so its series is the one created at start.
      if (role === 'sink') sinkTypes.set(name, type);
      connectionFor(type, role === 'source' ? SOURCE_NAME : name).set(up ? 1 : 0);
    },
    sourceLag(lags) {
      const current = new Map<string, { topic: string; partition: string }>();
      for (const { topic, partition, lag } of lags) {
        const labels = { topic, partition: String(partition) };
        current.set(`${topic}\u0000${partition}`, labels);
        consumerLag.labels({ ...flow, ...labels }).set(lag);
      }
      for (const [key, labels] of lagSeries) if (!current.has(key)) consumerLag.remove({ ...flow, ...labels });
      lagSeries = current;
    },
  };

  return { registry, observer };
}
