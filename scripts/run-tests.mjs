// Runs node's test runner over compiled test files of one suite.
// unit: every *.test.js under packages/*/dist except dist/integration/ (no service needed).
// integration: packages/*/dist/integration/**/*.test.js (sources in packages/<pkg>/src/integration/),
//   one file at a time because the files share the real services; start them first with
//   `make services-up` and load their settings with `source <(scripts/services/env.sh)`.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const suites = {
  unit: {
    patterns: ['packages/*/dist/**/*.test.js', 'bench/dist/**/*.test.js'],
    exclude: (f) => f.includes('/integration/'),
    args: [],
    mayBeEmpty: false,
  },
  integration: {
    patterns: ['packages/*/dist/integration/**/*.test.js'],
    exclude: () => false,
    args: ['--test-concurrency=1'],
    // The integration tests arrive with the connectors; until then an empty suite is not an error.
    mayBeEmpty: true,
  },
  // e2e: e2e/dist/**/*.test.js against the test control plane (`make cluster-up`); one file at a
  // time because the files share it and its node agent.
  e2e: {
    patterns: ['e2e/dist/**/*.test.js'],
    exclude: () => false,
    args: ['--test-concurrency=1'],
    mayBeEmpty: false,
  },
};

const name = process.argv[2] ?? 'unit';
const suite = suites[name];
if (!suite) {
  console.error(`run-tests: unknown suite "${name}" (known: ${Object.keys(suites).join(', ')})`);
  process.exit(2);
}
const files = suite.patterns.flatMap((p) => globSync(p)).filter((f) => !suite.exclude(f)).sort();
if (files.length === 0) {
  if (suite.mayBeEmpty) {
    console.log(`run-tests: suite "${name}" has no test files yet (${suite.patterns.join(', ')}): nothing to run`);
    process.exit(0);
  }
  console.error(`run-tests: no test files for suite "${name}" — did the build run?`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...suite.args, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
