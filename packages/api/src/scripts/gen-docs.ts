// Writes the generated parts of the docs (house-style.md §2.4: generated from the code, never
// hand-edited), each between the markers of ./docs/generated-block.ts:
//   docs/connectors/<type>.md   config tables of each connector, from the connector JSON schemas
//   docs/metrics.md             worker and operator metrics, from their prom-client registries
// The registries live in packages the api cannot import; their metric-catalog scripts (built by
// `tsc -b`) print them as JSON. `--check` writes nothing and exits 1 listing the stale files.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONNECTOR_TYPES, renderConnectorReference } from './docs/connector-reference.js';
import { replaceGeneratedBlock } from './docs/generated-block.js';
import { parseMetricCatalog, renderMetricReference } from './docs/metric-reference.js';
import type { MetricEntry } from './docs/metric-reference.js';

function repoRoot(): string {
  // dist/scripts/gen-docs.js → packages/api/dist/scripts → repository root four levels up.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

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
  const check = argv.includes('--check');
  const root = repoRoot();
  const drifted: string[] = [];
  for (const [file, content] of plannedOutputs(root)) {
    if (readOrEmpty(file) === content) continue;
    drifted.push(relative(root, file));
    if (!check) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  if (check) {
    if (drifted.length === 0) {
      console.log('generated docs are up to date');
      return 0;
    }
    console.error(`generated docs are stale (run \`make docs\`):\n${drifted.map((f) => `  ${f}`).join('\n')}`);
    return 1;
  }
  console.log(drifted.length === 0 ? 'generated docs unchanged' : `wrote ${drifted.join(', ')}`);
  return 0;
}

// Run only as a script, so tests can import the renderers.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
