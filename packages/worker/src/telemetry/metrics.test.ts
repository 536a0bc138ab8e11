import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { register as globalRegistry } from 'prom-client';
import { DataflowError, ErrorCode, RecordError } from '../errors.js';
import { errorTypeLabel, errorTypeOf } from './error-type.js';
import { createWorkerMetrics } from './metrics.js';
import type { WorkerMetricsOptions } from './metrics.js';

const FLOW = 'namespace="shop",name="orders"';

/** Parses the text exposition into `series → value` (series exactly as printed). */
async function scrape(registry: { metrics(): Promise<string> }): Promise<Map<string, number>> {
  const series = new Map<string, number>();
  for (const line of (await registry.metrics()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

function value(series: Map<string, number>, name: string, labels = ''): number | undefined {
  return series.get(`${name}{${FLOW}${labels === '' ? '' : `,${labels}`}}`);
}

function setup(extra: Partial<WorkerMetricsOptions> = {}) {
  let clock = 1_000_000;
  const metrics = createWorkerMetrics({
    namespace: 'shop',
    name: 'orders',
    sourceType: 'kafka',
    processMetrics: false,
    sinks: [
      { name: 'main', type: 'postgresql' },
      { name: 'errors', type: 'file' },
    ],
    now: () => clock,
    ...extra,
  });
  return {
    ...metrics,
    advance(ms: number) {
      clock += ms;
    },
  };
}

void describe('worker metrics', () => {
  void it('exports the Kafka consumer lag per partition and drops partitions no longer reported', async () => {
    const { observer, registry } = setup();
    observer.sourceLag?.([
      { topic: 'orders', partition: 0, lag: 120 },
      { topic: 'orders', partition: 1, lag: 0 },
    ]);
    let s = await scrape(registry);
    assert.equal(value(s, 'dataflow_kafka_consumer_lag', 'topic="orders",partition="0"'), 120);
    assert.equal(value(s, 'dataflow_kafka_consumer_lag', 'topic="orders",partition="1"'), 0);
    // Partition 0 was revoked by a rebalance; partition 1 caught up less.
    observer.sourceLag?.([{ topic: 'orders', partition: 1, lag: 7 }]);
    s = await scrape(registry);
    assert.equal(value(s, 'dataflow_kafka_consumer_lag', 'topic="orders",partition="0"'), undefined);
    assert.equal(value(s, 'dataflow_kafka_consumer_lag', 'topic="orders",partition="1"'), 7);
  });

  void it('counts a scripted batch once each, after the writes, with upstream names and labels', async () => {
    const { observer, registry } = setup();
    observer.connection('source', 'source', 'kafka', true);
    observer.connection('sink', 'main', 'postgresql', true);
    observer.connection('sink', 'route[0]', 'clickhouse', true);
    // 10 read; 2 filtered by step 0; 8 reach the router, 3 go to route[0], 5 to main.
    observer.read(10);
    observer.transformed(0, 'filter', 10, 8, 0.002);
    observer.filtered(2);
    observer.transformed(1, 'router', 8, 8, 0.001);
    // main rejects one record: it is dead-lettered, not counted as sent on main.
    observer.written('main', 'postgresql', 4, 0.05);
    observer.recordFailed('sink:main', ErrorCode.recordRejected, 1);
    observer.written('route[0]', 'clickhouse', 3, 0.02);
    observer.written('errors', 'file', 1, 0.001);
    observer.deadLettered(1);
    observer.committed(10, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 7]);
    observer.queueSize('main', 3);

    const s = await scrape(registry);
    assert.equal(value(s, 'dataflow_messages_received_total', 'source_type="kafka"'), 10);
    assert.equal(value(s, 'dataflow_messages_sent_total', 'sink_type="postgresql",route="default"'), 4);
    assert.equal(value(s, 'dataflow_messages_sent_total', 'sink_type="clickhouse",route="route[0]"'), 3);
    assert.equal(value(s, 'dataflow_messages_sent_total', 'sink_type="file",route="error"'), 1);
    assert.equal(value(s, 'dataflow_messages_filtered_total'), 2);
    assert.equal(value(s, 'dataflow_messages_dead_lettered_total'), 1);
    assert.equal(value(s, 'dataflow_messages_committed_total'), 10);
    // No double counting: every series of messages_sent adds up to the records actually written.
    const sentTotal = [...s].filter(([k]) => k.startsWith('dataflow_messages_sent_total')).reduce((a, [, v]) => a + v, 0);
    assert.equal(sentTotal, 8);

    assert.equal(value(s, 'dataflow_connector_messages_read_total', 'connector_type="kafka",connector_name="source"'), 10);
    assert.equal(
      value(s, 'dataflow_connector_messages_written_total', 'connector_type="postgresql",connector_name="main",route="default"'),
      4,
    );
    assert.equal(
      value(s, 'dataflow_connector_messages_written_total', 'connector_type="clickhouse",connector_name="route[0]",route="route[0]"'),
      3,
    );
    assert.equal(
      value(
        s,
        'dataflow_connector_errors_total',
        'connector_type="postgresql",connector_name="main",operation="write",error_type="record_rejected"',
      ),
      1,
    );
    assert.equal(value(s, 'dataflow_connector_connection_status', 'connector_type="kafka",connector_name="source"'), 1);
    assert.equal(value(s, 'dataflow_connector_connection_status', 'connector_type="clickhouse",connector_name="route[0]"'), 1);
    // The error sink was declared but never opened: its status says so.
    assert.equal(value(s, 'dataflow_connector_connection_status', 'connector_type="file",connector_name="errors"'), 0);

    const filterLabels = 'transformer_type="filter",transformer_index="0"';
    assert.equal(value(s, 'dataflow_transformer_executions_total', filterLabels), 10);
    assert.equal(value(s, 'dataflow_transformer_messages_in_total', filterLabels), 10);
    assert.equal(value(s, 'dataflow_transformer_messages_out_total', filterLabels), 8);
    assert.equal(value(s, 'dataflow_transformer_duration_seconds_count', filterLabels), 1);
    assert.equal(value(s, 'dataflow_transformer_duration_seconds_sum', filterLabels), 0.0002);

    assert.equal(value(s, 'dataflow_task_operations_total', 'operation="sink_write",status="success"'), 7);
    assert.equal(value(s, 'dataflow_task_operations_total', 'operation="sink_write",status="error"'), 1);
    assert.equal(value(s, 'dataflow_task_operations_total', 'operation="error_sink_write",status="success"'), 1);
    assert.equal(value(s, 'dataflow_task_stage_errors_total', 'stage="sink_write",error_type="record_rejected"'), 1);
    assert.equal(value(s, 'dataflow_task_queue_size', 'queue_type="main"'), 3);
    assert.equal(value(s, 'dataflow_task_active_messages'), 0);

    // End-to-end latency: one observation per committed message, the 7 s one lands above 4.096.
    assert.equal(value(s, 'dataflow_task_end_to_end_latency_seconds_count'), 10);
    assert.equal(s.get(`dataflow_task_end_to_end_latency_seconds_bucket{le="0.128",${FLOW}}`), 9);
    assert.equal(s.get(`dataflow_task_end_to_end_latency_seconds_bucket{le="4.096",${FLOW}}`), 9);
    assert.equal(s.get(`dataflow_task_end_to_end_latency_seconds_bucket{le="8.192",${FLOW}}`), 10);
    assert.equal(s.get(`dataflow_task_end_to_end_latency_seconds_bucket{le="+Inf",${FLOW}}`), 10);
    assert.ok(Math.abs((value(s, 'dataflow_task_end_to_end_latency_seconds_sum') ?? 0) - 7.9) < 1e-9);

    // Processing duration: one observation for the batch, mean transform time per source message.
    assert.equal(value(s, 'dataflow_processing_duration_seconds_count'), 1);
    assert.ok(Math.abs((value(s, 'dataflow_processing_duration_seconds_sum') ?? 0) - 0.0003) < 1e-12);
  });

  void it('series of declared connectors exist at zero before any traffic', async () => {
    const { registry } = setup();
    const s = await scrape(registry);
    assert.equal(value(s, 'dataflow_messages_received_total', 'source_type="kafka"'), 0);
    assert.equal(value(s, 'dataflow_messages_sent_total', 'sink_type="postgresql",route="default"'), 0);
    assert.equal(value(s, 'dataflow_messages_sent_total', 'sink_type="file",route="error"'), 0);
    assert.equal(value(s, 'dataflow_messages_dead_lettered_total'), 0);
    assert.equal(value(s, 'dataflow_connector_connection_status', 'connector_type="kafka",connector_name="source"'), 0);
  });

  void it('labels errors by their code and attributes them to the failing stage', async () => {
    const { observer, registry } = setup();
    observer.recordFailed('transform:2:cast', ErrorCode.transform, 2);
    observer.recordFailed('decode', ErrorCode.decode, 1);
    observer.recordFailed('route', 'routing_error', 1);
    observer.recordFailed('sink:errors', ErrorCode.connection, 1);
    observer.writeRetried('main', 'postgresql', ErrorCode.timeout);
    observer.writeRetried('main', 'postgresql', 'connection refused by 10.0.0.1'); // not a label: becomes unknown

    const s = await scrape(registry);
    assert.equal(
      value(s, 'dataflow_transformer_errors_total', 'transformer_type="cast",transformer_index="2",error_type="transformation_error"'),
      2,
    );
    assert.equal(value(s, 'dataflow_task_stage_errors_total', 'stage="transformer_2",error_type="transformation_error"'), 2);
    assert.equal(value(s, 'dataflow_task_stage_errors_total', 'stage="decode",error_type="invalid_data"'), 1);
    assert.equal(value(s, 'dataflow_task_stage_errors_total', 'stage="routing",error_type="routing_error"'), 1);
    assert.equal(value(s, 'dataflow_task_stage_errors_total', 'stage="error_sink_write",error_type="connection_error"'), 1);
    assert.equal(
      value(s, 'dataflow_connector_errors_total', 'connector_type="kafka",connector_name="source",operation="decode",error_type="invalid_data"'),
      1,
    );
    assert.equal(
      value(s, 'dataflow_connector_errors_total', 'connector_type="postgresql",connector_name="main",operation="write",error_type="timeout"'),
      1,
    );
    assert.equal(
      value(s, 'dataflow_connector_errors_total', 'connector_type="postgresql",connector_name="main",operation="write",error_type="unknown"'),
      1,
    );
    assert.equal(value(s, 'dataflow_task_operations_total', 'operation="transform",status="error"'), 2);
  });

  void it('computes throughput and success rate at scrape time, falling back when idle', async () => {
    const flow = setup({ rateWindowSeconds: 60 });
    const { observer, registry } = flow;
    const advance = (ms: number) => flow.advance(ms);
    const throughput = async () => value(await scrape(registry), 'dataflow_task_throughput_messages_per_second');
    const successRate = async () => value(await scrape(registry), 'dataflow_task_success_rate');

    assert.equal(await throughput(), 0);
    assert.equal(await successRate(), 1, 'no traffic is not a failure');

    advance(30_000);
    observer.read(100);
    observer.written('main', 'postgresql', 90, 0.01);
    observer.recordFailed('sink:main', ErrorCode.recordRejected, 10);
    observer.committed(100, []);
    assert.equal(await throughput(), 100 / 30, 'rate over the elapsed part of a window not full yet');
    assert.equal(await successRate(), 0.9);

    advance(30_000);
    assert.equal(await throughput(), 100 / 60);
    advance(31_000);
    assert.equal(await throughput(), 0, 'decays to 0 once the traffic left the window');
    assert.equal(await successRate(), 1);
    assert.equal(value(await scrape(registry), 'dataflow_messages_committed_total'), 100, 'counters never decay');
  });

  void it('reports in-flight source messages as active and one processing observation per batch', async () => {
    const { observer, registry } = setup();
    observer.read(10);
    observer.transformed(0, 'flatten', 10, 30, 0.003);
    observer.transformed(1, 'mask', 30, 30, 0.003);
    observer.read(5);
    observer.transformed(0, 'flatten', 5, 5, 0.001);
    observer.committed(4, [0.01, 0.01, 0.01, 0.01]);
    const s = await scrape(registry);
    assert.equal(value(s, 'dataflow_task_active_messages'), 11);
    assert.equal(value(s, 'dataflow_processing_duration_seconds_count'), 2);
    // (0.006 / 10) + (0.001 / 5): per source message, flatten's 30 children do not dilute it.
    assert.ok(Math.abs((value(s, 'dataflow_processing_duration_seconds_sum') ?? 0) - 0.0008) < 1e-12);
  });

  void it('keeps its series in its own registry, and two flows in two registries', async () => {
    const a = setup();
    const b = createWorkerMetrics({ namespace: 'x', name: 'y', sourceType: 'file', processMetrics: false });
    a.observer.read(3);
    assert.equal(globalRegistry.getSingleMetric('dataflow_messages_received_total'), undefined);
    const sb = await scrape(b.registry);
    assert.equal(sb.get('dataflow_messages_received_total{namespace="x",name="y",source_type="file"}'), 0);
  });

  void it('exports Node process metrics when asked', async () => {
    const { registry } = createWorkerMetrics({ namespace: 'x', name: 'y', sourceType: 'file' });
    assert.match(await registry.metrics(), /^process_cpu_seconds_total /m);
  });
});

void describe('error type labels', () => {
  void it('maps error codes and rejects free text', () => {
    assert.equal(errorTypeOf(new RecordError('duplicate key')), 'record_rejected');
    assert.equal(errorTypeOf(new DataflowError(ErrorCode.timeout, 'slow', true)), 'timeout');
    assert.equal(errorTypeOf(new TypeError('bug')), 'unknown');
    assert.equal(errorTypeLabel('DF_DECODE'), 'invalid_data');
    assert.equal(errorTypeLabel('timeout'), 'timeout');
    assert.equal(errorTypeLabel('ECONNREFUSED 127.0.0.1:5432'), 'unknown');
  });
});
