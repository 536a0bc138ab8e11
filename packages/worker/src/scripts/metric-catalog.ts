// Prints the worker's metrics as a JSON catalog ({name, type, labels, help}[]) for the generated
// docs/metrics.md (packages/api/src/scripts/gen-docs.ts, which cannot import the worker).
// Node's process metrics are left out: they are prom-client's standard set, not ours.
import { fileURLToPath } from 'node:url';
import { createWorkerMetrics } from '../telemetry/metrics.js';

export interface MetricCatalogEntry {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
}

export function workerMetricCatalog(): MetricCatalogEntry[] {
  const { registry } = createWorkerMetrics({ namespace: 'docs', name: 'catalog', sourceType: 'kafka', processMetrics: false });
  return registry.getMetricsAsArray().map((metric) => ({
    name: metric.name,
    type: String(metric.type),
    // Every prom-client metric keeps its declared label names; the typings do not show them.
    labels: (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [],
    help: metric.help,
  }));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(workerMetricCatalog(), null, 2)}\n`);
}
