// Every PromQL query of the Grafana dashboard and the alert rules (deploy/monitoring/) must use
// metrics that the worker or the operator really export. The test lives here because testkit is
// the one package that may depend on both (no Grafana binary is obtainable to try the dashboard).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ControllerMetrics } from '@dataflow/controller';
import { createWorkerMetrics } from '@dataflow/worker';
import { parse } from 'yaml';
import { promqlMetricNames, unknownMetricNames } from './promql-names.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const monitoring = join(root, 'deploy', 'monitoring');
type Registry = ReturnType<typeof createWorkerMetrics>['registry'];

// Series Prometheus adds itself for every scrape target.
const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];

function exported(registries: readonly Registry[]): { names: Set<string>; histograms: Set<string> } {
  const names = new Set<string>(SCRAPE_SERIES);
  const histograms = new Set<string>();
  for (const metric of registries.flatMap((r) => r.getMetricsAsArray())) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') histograms.add(metric.name);
  }
  return { names, histograms };
}

/** Every `expr` string anywhere in the dashboard, and the metric of each `label_values` variable. */
function dashboardQueries(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) dashboardQueries(item, out);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') out.push(value);
      else if (key === 'query' && typeof value === 'string' && value.startsWith('label_values(')) {
        out.push(/^label_values\((.*),\s*\w+\)$/.exec(value)?.[1] ?? value);
      } else dashboardQueries(value, out);
    }
  }
  return out;
}

function ruleQueries(): string[] {
  const rules = parse(readFileSync(join(monitoring, 'prometheus-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

const dashboard = JSON.parse(readFileSync(join(monitoring, 'dashboard.json'), 'utf8')) as {
  uid: string;
  title: string;
  panels: Array<{ id: number; type: string; targets?: unknown[] }>;
  templating: { list: Array<{ name: string }> };
};

void describe('promqlMetricNames', () => {
  void it('finds metric names and skips functions, keywords, labels, ranges, strings and variables', () => {
    const expr =
      'histogram_quantile(0.99, sum by (namespace, le) (rate(a_seconds_bucket{job=~"x(y)"}[$interval] offset 5m))) / ' +
      'ignoring (phase) group_left max(b_total) > 1e3 and on (name) c unless bool d{name=~"$dataflow"}';
    assert.deepEqual(promqlMetricNames(expr).sort(), ['a_seconds_bucket', 'b_total', 'c', 'd']);
  });

  void it('reports names no registry exports, accepting histogram series suffixes', () => {
    const unknown = unknownMetricNames(['a_seconds_bucket', 'a_seconds_count', 'b_total', 'b_total_sum', 'typo_total'], new Set(['a_seconds', 'b_total']), new Set(['a_seconds']));
    assert.deepEqual(unknown, ['b_total_sum', 'typo_total']);
  });
});

void describe('deploy/monitoring uses only exported metrics', () => {
  const worker = createWorkerMetrics({ namespace: 'test', name: 'monitoring', sourceType: 'kafka', processMetrics: true });
  const controller = new ControllerMetrics({ processMetrics: true });
  const { names, histograms } = exported([worker.registry, controller.registry]);

  for (const [source, queries] of [
    ['dashboard.json', dashboardQueries(dashboard)],
    ['prometheus-rules.yaml', ruleQueries()],
  ] as const) {
    void it(`${source}: every query names metrics the worker or the operator exports`, () => {
      assert.ok(queries.length > 5, `${source}: expected queries, found ${queries.length}`);
      for (const query of queries) {
        const used = promqlMetricNames(query);
        assert.ok(used.length > 0, `${source}: no metric found in ${query}`);
        assert.deepEqual(unknownMetricNames(used, names, histograms), [], `${source}: unknown metric in ${query}`);
      }
    });
  }

  void it('dashboard.json keeps the upstream identity, variables and unique panel ids', () => {
    assert.equal(dashboard.uid, 'dataflow-operator');
    assert.equal(dashboard.title, 'DataFlow Operator');
    assert.deepEqual(
      dashboard.templating.list.map((v) => v.name),
      ['DS_PROMETHEUS', 'interval', 'namespace', 'dataflow'],
    );
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const panel of dashboard.panels) if (panel.type !== 'row') assert.ok((panel.targets ?? []).length > 0, `panel ${panel.id} has a query`);
  });
});
