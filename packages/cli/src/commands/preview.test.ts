// Black-box tests of `dataflow preview`: the quickstart's transformations, step by step, on a few
// lines; nothing is written anywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const quickstart = fileURLToPath(new URL('../../../../examples/quickstart.yaml', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dataflow-preview-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const input = [
  '{"orderId":"A","status":"paid","amount":"12.5","customer":{"email":"a@example.com"},"items":[{"sku":"X"},{"sku":"Y"}]}',
  '{"orderId":"T","status":"test","amount":1}',
  'heartbeat',
  '{"orderId":"R","status":"refunded","amount":3}',
  '{"orderId":"C","status":"paid","amount":"n/a"}',
].join('\n');

function preview(args: string[], stdin?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, 'preview', quickstart, ...args], { cwd: tmp, encoding: 'utf8', input: stdin, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

void describe('dataflow preview', () => {
  const file = join(tmp, 'input.ndjson');
  writeFileSync(file, input);

  void it('shows every step, the route, the filter and the failure of each line', () => {
    const { code, stdout } = preview(['--input', file]);
    assert.equal(code, 0);
    const blocks = stdout.split(/^(?=line \d+)/m);
    assert.equal(blocks.length, 5);
    const [split = '', filtered = '', raw = '', routed = '', failed = ''] = blocks;

    assert.match(split, /^ {2}transform\[1\] cast: \{"orderId":"A","status":"paid","amount":12\.5,/m);
    assert.match(split, /^ {2}transform\[2\] mask: .*"email":"\*\*\*"/m);
    assert.match(split, /^ {2}transform\[3\] flatten: 2 messages$/m);
    assert.match(split, /^ {4}\[1\]\n {8}transform\[3\] flatten: .*"sku":"X"/m);
    assert.match(split, /transform\[4\] snakeCase: \{"order_id":"A"/);
    assert.equal(split.match(/→ main \(file\)/g)?.length, 2);

    assert.match(filtered, /^line 2: .*\n {2}filtered by transform\[0\] filter\n$/);
    assert.match(raw, /^line 3: heartbeat \(not JSON\)\n {2}filtered by transform\[0\] filter/);
    assert.match(routed, /^ {2}transform\[6\] router: .*\n {2}→ refunds \(stdout\)$/m);
    assert.match(failed, /^ {2}✗ transform\[1\] cast: .*"n\/a".* → errors \(file\)$/m);
    assert.equal(existsSync(join(tmp, '.run')), false, 'no sink was opened');
  });

  void it('reads stdin with - and emits one JSON object per input message with --json', () => {
    const { code, stdout } = preview(['--input', '-', '--json'], input);
    assert.equal(code, 0);
    const traces = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(traces.map((t) => t['line']), [1, 2, 3, 4, 5]);
    const outcome = (i: number): Record<string, unknown> => traces[i]?.['outcome'] as Record<string, unknown>;
    assert.equal(outcome(0)['kind'], 'split');
    assert.deepEqual(outcome(1), { kind: 'filtered', transform: 0, type: 'filter' });
    assert.equal(traces[2]?.['raw'], 'heartbeat');
    assert.deepEqual(outcome(3), { kind: 'routed', output: 'refunds', sinkType: 'stdout' });
    assert.equal(outcome(4)['kind'], 'failed');
    assert.equal(outcome(4)['stage'], 'transform:1:cast');
    assert.equal(outcome(4)['deadLetteredTo'], 'errors');
    const steps = traces[3]?.['steps'] as { transform: number; type: string }[];
    assert.deepEqual(steps.map((s) => `${s.transform}:${s.type}`), ['0:filter', '1:cast', '2:mask', '3:flatten', '4:snakeCase', '5:timestamp', '6:router']);
  });

  void it('exits 2 when the input cannot be read', () => {
    const { code, stderr } = preview(['--input', join(tmp, 'missing.ndjson')]);
    assert.equal(code, 2);
    assert.match(stderr, /missing\.ndjson: cannot read/);
  });
});
