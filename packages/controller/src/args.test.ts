import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { UsageError, parseArgs } from './args.js';

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['WORKER_IMAGE', 'WATCH_NAMESPACES', 'LOG_LEVEL', 'POD_NAMESPACE', 'KUBECONFIG']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

void describe('parseArgs', () => {
  void it('has the documented defaults', () => {
    delete process.env['WORKER_IMAGE'];
    delete process.env['WATCH_NAMESPACES'];
    delete process.env['LOG_LEVEL'];
    process.env['POD_NAMESPACE'] = 'dataflow-system';
    const args = parseArgs([]);
    assert.deepEqual(args.namespaces, []);
    assert.match(args.workerImage, /^ghcr\.io\/dataflow-operator\/dataflow-worker:\d+\.\d+\.\d+/);
    assert.equal(args.metricsPort, 8080);
    assert.equal(args.healthPort, 8081);
    assert.equal(args.leaderElect, false);
    assert.equal(args.leaderElectionNamespace, 'dataflow-system');
    assert.equal(args.logLevel, 'info');
  });

  void it('reads namespaces from repeated or comma-separated flags and the environment', () => {
    assert.deepEqual(parseArgs(['--namespace', 'a,b', '--namespace', 'c']).namespaces, ['a', 'b', 'c']);
    process.env['WATCH_NAMESPACES'] = 'x, y';
    assert.deepEqual(parseArgs([]).namespaces, ['x', 'y']);
  });

  void it('lets flags win over the environment', () => {
    process.env['WORKER_IMAGE'] = 'env/worker:1';
    process.env['LOG_LEVEL'] = 'DEBUG';
    assert.equal(parseArgs([]).workerImage, 'env/worker:1');
    assert.equal(parseArgs([]).logLevel, 'debug');
    assert.equal(parseArgs(['--worker-image', 'flag/worker:2', '--log-level', 'warn']).workerImage, 'flag/worker:2');
  });

  void it('rejects bad values with a message naming the flag', () => {
    assert.throws(() => parseArgs(['--metrics-port', '70000']), (e: unknown) => e instanceof UsageError && /--metrics-port/.test(e.message));
    assert.throws(() => parseArgs(['--no-such-flag']), UsageError);
    process.env['LOG_LEVEL'] = 'loud';
    assert.throws(() => parseArgs([]), /LOG_LEVEL/);
  });
});
