// Prints the operator's metrics as a JSON catalog ({name, type, labels, help}[]) for the generated
// docs/metrics.md (packages/api/src/scripts/gen-docs.ts, which cannot import the controller).
// Node's process metrics are left out: they are prom-client's standard set, not ours.
import { fileURLToPath } from 'node:url';
import { ControllerMetrics } from '../metrics.js';

export interface MetricCatalogEntry {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
}

export function controllerMetricCatalog(): MetricCatalogEntry[] {
  const { registry } = new ControllerMetrics({ processMetrics: false });
  return registry.getMetricsAsArray().map((metric) => ({
    name: metric.name,
    type: String(metric.type),
    // Every prom-client metric keeps its declared label names; the typings do not show them.
    labels: (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [],
    help: metric.help,
  }));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${JSON.stringify(controllerMetricCatalog(), null, 2)}\n`);
}
