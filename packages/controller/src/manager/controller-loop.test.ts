import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { ObjectKey } from '../kube/objects.js';
import { ControllerMetrics } from '../metrics.js';
import { FakeClock, settle } from '../testing/fake-clock.js';
import { runControllerLoop } from './controller-loop.js';
import { ReconcileError, TerminalError } from './reconciler.js';
import type { ReconcileResult } from './reconciler.js';
import { WorkQueue } from './workqueue.js';

void describe('runControllerLoop', () => {
  void it('retries failures with backoff, requeues on request, drops terminal errors', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const metrics = new ControllerMetrics();
    const calls: string[] = [];
    const script: Record<string, Array<() => ReconcileResult>> = {
      'ns/flaky': [
        () => {
          throw new ReconcileError('apply', 'boom');
        },
        () => ({}),
      ],
      'ns/timed': [() => ({ requeueAfterMs: 30_000 }), () => ({})],
      'ns/broken': [
        () => {
          throw new TerminalError('validate', 'never works');
        },
      ],
    };
    const reconciler = {
      reconcile(key: ObjectKey): Promise<ReconcileResult> {
        calls.push(key);
        const next = script[key]?.shift();
        return next === undefined ? Promise.resolve({}) : Promise.resolve().then(next);
      },
    };
    const stop = new AbortController();
    const loop = runControllerLoop({ queue, reconciler, metrics, log: pino({ level: 'silent' }), workers: 2, signal: stop.signal });
    for (const key of ['ns/flaky', 'ns/timed', 'ns/broken'] as const) queue.add(key);
    await settle();
    assert.deepEqual([...calls].sort(), ['ns/broken', 'ns/flaky', 'ns/timed']);
    await clock.advance(5);
    assert.equal(calls.filter((k) => k === 'ns/flaky').length, 2, 'retried after 5 ms');
    assert.equal(queue.numRequeues('ns/flaky'), 0, 'forgotten after success');
    await clock.advance(30_000);
    assert.equal(calls.filter((k) => k === 'ns/timed').length, 2, 'requeued after 30 s');
    assert.equal(calls.filter((k) => k === 'ns/broken').length, 1, 'terminal errors are not retried');
    const text = await metrics.text();
    assert.match(text, /dataflow_controller_reconcile_errors_total\{stage="apply"\} 1/);
    assert.match(text, /dataflow_controller_reconcile_errors_total\{stage="validate"\} 1/);
    assert.match(text, /dataflow_controller_reconcile_inflight 0/);
    queue.shutDown();
    stop.abort();
    await loop;
  });
});
