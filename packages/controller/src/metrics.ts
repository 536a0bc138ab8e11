// The operator's own metrics, in its own prom-client registry (nothing global). Names follow the
// upstream dashboard (upstream-reference.md §6.1), with its bug fixed: `dataflow_status` is one-hot —
// 1 for the flow's current phase and 0 for the others — so `dataflow_status{phase="Error"} == 1`
// (the DataFlowInError alert) can fire, and a flow's series are deleted when the flow is gone.
import { PHASES } from '@dataflow/api';
import type { Phase } from '@dataflow/api';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const RECONCILE_RESULTS = ['success', 'requeue', 'error', 'terminal'] as const;
export type ReconcileResultLabel = (typeof RECONCILE_RESULTS)[number];

export interface ControllerMetricsOptions {
  /** Also collect process/Node.js metrics (RSS, event loop lag …); off in tests. */
  processMetrics?: boolean;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly status: Gauge<'namespace' | 'name' | 'phase'>;
  private readonly duration: Histogram<'result'>;
  private readonly errors: Counter<'stage'>;
  private readonly inflight: Gauge;

  constructor(options: ControllerMetricsOptions = {}) {
    const registers = [this.registry];
    this.status = new Gauge({
      name: 'dataflow_status',
      help: 'Phase of each DataFlow: 1 for its current phase, 0 for the other phases.',
      labelNames: ['namespace', 'name', 'phase'],
      registers,
    });
    this.duration = new Histogram({
      name: 'dataflow_controller_reconcile_duration_seconds',
      help: 'Time one reconcile of a DataFlow took, by result.',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'dataflow_controller_reconcile_errors_total',
      help: 'Failed reconciles, by the stage that failed.',
      labelNames: ['stage'],
      registers,
    });
    this.inflight = new Gauge({
      name: 'dataflow_controller_reconcile_inflight',
      help: 'Reconciles running right now.',
      registers,
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  setPhase(namespace: string, name: string, phase: Phase): void {
    for (const candidate of PHASES) this.status.set({ namespace, name, phase: candidate }, candidate === phase ? 1 : 0);
  }

  /** The flow is gone: remove its series so dashboards stop counting it. */
  forgetFlow(namespace: string, name: string): void {
    for (const phase of PHASES) this.status.remove({ namespace, name, phase });
  }

  /** Counts a reconcile as in flight; the returned function ends it and records its duration. */
  reconcileStarted(): (result: ReconcileResultLabel) => void {
    this.inflight.inc();
    const started = process.hrtime.bigint();
    let ended = false;
    return (result) => {
      if (ended) return;
      ended = true;
      this.inflight.dec();
      this.duration.observe({ result }, Number(process.hrtime.bigint() - started) / 1e9);
    };
  }

  reconcileFailed(stage: string): void {
    this.errors.inc({ stage });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
