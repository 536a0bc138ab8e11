// Black-box tests of the pod entrypoint: spawn the built dist/main.js and check exit codes, probes,
// metrics, the file sink and the status file.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'dataflow-worker-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const flow = { namespace: 'team-a', name: 'orders', uid: '', generation: 1 };

function writeConfig(name: string, spec: unknown, extra: Record<string, unknown> = {}): string {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify({ version: 1, flow, spec, ...extra }));
  return path;
}

function runSync(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: tmp, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves with the first JSON log line `match` accepts. */
function logLine(child: ChildProcess, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const text of lines) {
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (match(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before the expected log line`)));
  });
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await delay(20);
  }
}

void describe('dataflow-worker', () => {
  void it('exits 2 on an invalid config, listing every issue with its field path', () => {
    const config = writeConfig('invalid.json', {
      source: { type: 'file', config: {} },
      sink: { type: 'postgresql', config: { table: 't', batchSize: 0 } },
    });
    const { code, stderr } = runSync('--config', config, '--port', '0');
    assert.equal(code, 2);
    assert.match(stderr, /invalid worker config .*invalid\.json \(3 issues\):/);
    assert.match(stderr, /^ {2}spec\.source\.config\.path: is required$/m);
    assert.match(stderr, /^ {2}spec\.sink\.config\.batchSize: must be >= 1$/m);
    assert.match(stderr, /^ {2}spec\.sink\.config\.connectionString: /m);
  });

  void it('exits 2 on an unreadable file, a newer config version, or bad flags', () => {
    assert.equal(runSync('--config', join(tmp, 'missing.json')).code, 2);
    const newer = writeConfig('v2.json', {}, { version: 2 });
    const future = runSync('--config', newer);
    assert.equal(future.code, 2);
    assert.match(future.stderr, /version: unsupported worker config version 2/);
    const noConfig = runSync('--port', '0');
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /Missing required argument: config/);
  });

  void it('exits 2 naming the field when the sink type is unknown', () => {
    const config = writeConfig('no-connector.json', {
      source: { type: 'file', config: { path: join(tmp, 'in.ndjson') } },
      sink: { type: 'nosuch', config: {} },
    });
    const { code, stdout, stderr } = runSync('--config', config, '--port', '0');
    assert.equal(code, 2);
    assert.match(stdout + stderr, /spec\.sink\.type/);
  });

  void it('exits 1 when a record fails without an error sink, naming its position', () => {
    const input = join(tmp, 'bad-record.ndjson');
    writeFileSync(input, '{"amount":"1.5"}\n{"amount":"n/a"}\n');
    const config = writeConfig('fatal.json', {
      source: { type: 'file', config: { path: input } },
      transformations: [{ type: 'cast', config: { spec: { amount: 'float64' } } }],
      sink: { type: 'file', config: { path: join(tmp, 'fatal-out.ndjson') } },
    });
    const { code, stdout } = runSync('--config', config, '--port', '0', '--state-dir', join(tmp, 'state'));
    assert.equal(code, 1);
    const failure = stdout.split('\n').find((line) => line.includes('"flow failed"'));
    assert.ok(failure !== undefined, stdout);
    assert.match(failure, /stage transform:0:cast at position .*bad-record\.ndjson@2/);
  });

  void it('exits 0 on a SIGTERM that arrives while it is still starting (PID 1 in a container ignores unhandled signals)', async () => {
    const config = writeConfig('early.json', {
      source: { type: 'generator', config: { ratePerSecond: 100, template: { id: '{{seq}}' } } },
      sink: { type: 'file', config: { path: join(tmp, 'early.ndjson') } },
    });
    for (const afterMs of [150, 300, 450, 600, 900]) {
      const child = spawn(process.execPath, [main, '--config', config, '--port', '0'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.resume();
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      await delay(afterMs);
      child.kill('SIGTERM');
      assert.deepEqual(await exit, { code: 0, signal: null }, `SIGTERM ${afterMs} ms after spawn`);
    }
  });

  void it('serves /metrics and the probes while running; SIGTERM drains, writes the status and exits 0', async () => {
    const output = join(tmp, 'generated.ndjson');
    const statusFile = join(tmp, 'status.json');
    const config = writeConfig('generator.json', {
      source: { type: 'generator', config: { ratePerSecond: 2000, template: { id: '{{seq}}', kind: 'demo' } } },
      sink: { type: 'file', config: { path: output } },
    });
    const child = spawn(process.execPath, [main, '--config', config, '--port', '0', '--status-file', statusFile, '--state-dir', join(tmp, 'state')], {
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = exited(child);
    try {
      const listening = await logLine(child, (line) => line['msg'] === 'health server listening');
      assert.deepEqual(listening['flow'], { namespace: 'team-a', name: 'orders' });
      const base = `http://127.0.0.1:${String(listening['port'])}`;
      await until(async () => (await fetch(`${base}/readyz`)).status === 200, '/readyz turning 200');
      assert.equal((await fetch(`${base}/livez`)).status, 200);
      await until(async () => {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        const received = /^dataflow_messages_received_total\{[^}]*name="orders"[^}]*\} (\d+)$/m.exec(metrics);
        return received !== null && Number(received[1]) > 0;
      }, 'messages counted on /metrics');
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    child.kill('SIGTERM');
    assert.equal(await exit, 0);

    const lines = readFileSync(output, 'utf8').split('\n').filter((line) => line !== '');
    assert.ok(lines.length > 0);
    // Flushed completely: every line whole, numbered 1..n without a gap.
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { id: number }).id),
      lines.map((_, i) => i + 1),
    );
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as Record<string, unknown>;
    assert.equal(status['processed'], lines.length);
    assert.equal(status['errors'], 0);
    assert.equal(typeof status['lastProcessedTime'], 'string');
  });
});
