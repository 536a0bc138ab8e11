// Runs node's test runner over compiled test files of one suite.
// unit: every *.test.js under packages/*/dist (no service needed).
// integration/e2e suites arrive with the services that need them.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const suite = process.argv[2] ?? 'unit';
const patterns = {
  unit: ['packages/*/dist/**/*.test.js', 'bench/dist/**/*.test.js'],
};
const chosen = patterns[suite];
if (!chosen) {
  console.error(`run-tests: unknown suite "${suite}" (known: ${Object.keys(patterns).join(', ')})`);
  process.exit(2);
}
const files = chosen.flatMap((p) => globSync(p)).filter((f) => !f.includes('/integration/')).sort();
if (files.length === 0) {
  console.error(`run-tests: no test files for suite "${suite}" — did the build run?`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
