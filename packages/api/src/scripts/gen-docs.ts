// Writes the generated parts of the docs (house-style.md §2.4: generated from the code, never
// hand-edited), each between the markers of ./docs/generated-block.ts:
//   docs/connectors/<type>.md   config tables of each connector, from the connector JSON schemas
//   docs/metrics.md             worker and operator metrics, from their prom-client registries
// The registries live in packages the api cannot import; their metric-catalog scripts (built by
// `tsc -b`) print them as JSON. `--check` writes nothing and exits 1 listing the stale files.
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { CONNECTOR_TYPES, renderConnectorReference } from './docs/connector-reference.js';
import { replaceGeneratedBlock } from './docs/generated-block.js';
import { parseMetricCatalog, renderMetricReference } from './docs/metric-reference.js';
import type { MetricEntry } from './docs/metric-reference.js';
import { isEntryScript, readOrEmpty, repoRootFrom, syncGeneratedFiles } from './generated-files.js';

function catalog(root: string, pkg: 'worker' | 'controller'): MetricEntry[] {
  const script = join(root, 'packages', pkg, 'dist', 'scripts', 'metric-catalog.js');
  const json = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  return parseMetricCatalog(json, relative(root, script));
}

/** A page for a connector that has none yet: a heading to be completed by hand, then the tables. */
function newConnectorPage(type: string): string {
  return `# ${type} connector\n\nType \`${type}\`.\n`;
}

function plannedOutputs(root: string): Array<[string, string]> {
  const outputs: Array<[string, string]> = [];
  for (const type of CONNECTOR_TYPES) {
    const file = join(root, 'docs', 'connectors', `${type}.md`);
    const page = readOrEmpty(file) || newConnectorPage(type);
    outputs.push([file, replaceGeneratedBlock(page, renderConnectorReference(type), relative(root, file))]);
  }
  const metricsFile = join(root, 'docs', 'metrics.md');
  const metricsPage = readOrEmpty(metricsFile) || '# Metrics\n';
  const metrics = renderMetricReference(catalog(root, 'worker'), catalog(root, 'controller'));
  outputs.push([metricsFile, replaceGeneratedBlock(metricsPage, metrics, relative(root, metricsFile))]);
  return outputs;
}

function main(argv: readonly string[]): number {
  const root = repoRootFrom(import.meta.url);
  return syncGeneratedFiles({ root, outputs: plannedOutputs(root), what: 'generated docs', regenerate: 'make docs', check: argv.includes('--check') });
}

// Run only as a script, so tests can import the renderers.
if (isEntryScript(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
