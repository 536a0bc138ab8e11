// Black-box tests of `dataflow run`: spawn the built CLI on the quickstart (copied into a temporary
// working directory, since its paths are relative to the working directory) and on small flows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dataflow-run-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
cpSync(join(root, 'examples'), join(tmp, 'examples'), { recursive: true });

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, 'run', ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function ndjson(path: string): Record<string, unknown>[] {
  return readFileSync(join(tmp, path), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

void describe('dataflow run', () => {
  void it('runs the quickstart to the end and prints the summary', () => {
    const { code, stdout, stderr } = run('examples/quickstart.yaml');
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^DataFlow default\/quickstart finished \(source exhausted\)$/m);
    assert.match(stderr, /^ {2}read +50$/m);
    assert.match(stderr, /^ {2}written +\d+ {2}main \(file\)$/m);
    assert.match(stderr, /^ +3 {2}refunds \(stdout\)$/m);
    assert.match(stderr, /^ +\d+ {2}large-orders \(file\)$/m);
    assert.match(stderr, /^ +1 {2}errors \(file\)$/m);
    assert.match(stderr, /^ {2}filtered +3$/m);
    assert.match(stderr, /^ {2}dead-lettered +1$/m);
    assert.match(stderr, /^ {2}committed +50$/m);
    assert.match(stderr, /^ {2}throughput +[\d,]+ msg\/s$/m);

    // The refunds route writes to stdout; the other sinks to files under .run/quickstart/.
    const refunds = stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(refunds.length, 3);
    for (const refund of refunds) assert.equal(refund['status'], 'refunded');
    const errors = ndjson('.run/quickstart/errors.ndjson');
    assert.equal(errors.length, 1);
    assert.match(JSON.stringify(errors[0]), /"stage":"transform:1:cast"/);
    for (const order of ndjson('.run/quickstart/orders.ndjson')) {
      // The sample data has an order with `customer: null` on purpose; every e-mail present is masked.
      const customer = order['customer'] as Record<string, unknown> | null;
      if (customer !== null) assert.equal(customer['email'], '***', 'masked');
      assert.ok('order_id' in order && 'processed_at' in order, 'snake_case keys and a timestamp');
    }
  });

  void it('prints the summary as JSON on stdout with --json', () => {
    writeFileSync(join(tmp, 'in.ndjson'), '{"a":1}\n{"a":2}\n{"a":3}\n');
    writeFileSync(
      join(tmp, 'small.yaml'),
      'source: {type: file, config: {path: in.ndjson}}\ntransformations:\n  - {type: filter, config: {condition: "$.a > 1"}}\nsink: {type: file, config: {path: out/small.ndjson}}\n',
    );
    const { code, stdout } = run('small.yaml', '--json');
    assert.equal(code, 0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(summary['flow'], { namespace: 'default', name: 'small' });
    assert.equal(summary['ended'], 'source-exhausted');
    assert.equal(summary['read'], 3);
    assert.equal(summary['filtered'], 1);
    assert.equal(summary['committed'], 3);
    assert.deepEqual(summary['written'], { main: { type: 'file', count: 2 } });
    assert.equal(typeof summary['messagesPerSecond'], 'number');
    assert.equal(ndjson('out/small.ndjson').length, 2);
  });

  void it('exits 1 with every issue and its path for an invalid flow', () => {
    writeFileSync(join(tmp, 'invalid.yaml'), 'apiVersion: dataflow.dataflow.io/v1\nkind: DataFlow\nmetadata: {name: bad}\nspec:\n  source: {type: file, config: {}}\n  sink: {type: file, config: {}}\n');
    const { code, stderr } = run('invalid.yaml');
    assert.equal(code, 1);
    assert.match(stderr, /invalid\.yaml: DataFlow\/bad: 2 issues/);
    assert.match(stderr, /^ {2}spec\.source\.config\.path: is required$/m);
    assert.match(stderr, /^ {2}spec\.sink\.config\.path: is required$/m);
  });

  void it('exits 1 naming the record position when a record fails and there is no error sink', () => {
    writeFileSync(join(tmp, 'amounts.ndjson'), '{"amount":"2"}\n{"amount":"n/a"}\n');
    writeFileSync(
      join(tmp, 'no-errors.yaml'),
      'source: {type: file, config: {path: amounts.ndjson}}\ntransformations:\n  - {type: cast, config: {spec: {amount: float64}}}\nsink: {type: file, config: {path: out/amounts.ndjson}}\n',
    );
    const { code, stderr } = run('no-errors.yaml');
    assert.equal(code, 1);
    assert.match(stderr, /DataFlow default\/no-errors failed: record failed at stage transform:0:cast at position amounts\.ndjson@2/);
  });

  void it('exits 2 for a missing file', () => {
    const { code, stderr } = run('missing.yaml');
    assert.equal(code, 2);
    assert.match(stderr, /missing\.yaml: no such file/);
  });
});
