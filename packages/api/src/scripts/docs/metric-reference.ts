// Markdown tables of the Prometheus metrics (docs/metrics.md). The api package cannot import the
// worker or the controller, so each of them prints its registry as a JSON catalog
// (packages/*/src/scripts/metric-catalog.ts) and this module renders what they printed.

export interface MetricEntry {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
}

function isEntry(value: unknown): value is MetricEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['name'] === 'string' &&
    typeof v['type'] === 'string' &&
    typeof v['help'] === 'string' &&
    Array.isArray(v['labels']) &&
    v['labels'].every((l) => typeof l === 'string')
  );
}

/** Parses a catalog printed by a metric-catalog script; `origin` names it in errors. */
export function parseMetricCatalog(json: string, origin: string): MetricEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`${origin}: metric catalog is not JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new Error(`${origin}: metric catalog must be a JSON array`);
  return parsed.map((entry, index) => {
    if (!isEntry(entry)) throw new Error(`${origin}: catalog entry ${index} needs name, type, help (strings) and labels (array of strings)`);
    return entry;
  });
}

function table(entries: readonly MetricEntry[]): string {
  const lines = ['| Name | Type | Labels | Meaning |', '|---|---|---|---|'];
  for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const labels = e.labels.map((l) => `\`${l}\``).join(', ');
    lines.push(`| \`${e.name}\` | ${e.type} | ${labels} | ${e.help.replace(/\|/g, '\\|').replace(/</g, '&lt;')} |`);
  }
  return lines.join('\n');
}

export function renderMetricReference(worker: readonly MetricEntry[], controller: readonly MetricEntry[]): string {
  return [
    '## Worker metrics',
    '',
    'Served by every worker pod on `:9090/metrics`; every series carries `namespace` and `name` of its DataFlow.',
    '',
    table(worker),
    '',
    '## Operator metrics',
    '',
    'Served by the operator on its metrics port.',
    '',
    table(controller),
  ].join('\n');
}
