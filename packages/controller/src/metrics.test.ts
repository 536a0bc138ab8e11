import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControllerMetrics } from './metrics.js';

void describe('ControllerMetrics', () => {
  void it('keeps dataflow_status one-hot and removes a flow entirely', async () => {
    const metrics = new ControllerMetrics();
    metrics.setPhase('shop', 'orders', 'Running');
    metrics.setPhase('shop', 'orders', 'Error');
    const text = await metrics.text();
    assert.match(text, /dataflow_status\{namespace="shop",name="orders",phase="Error"\} 1/);
    assert.match(text, /dataflow_status\{namespace="shop",name="orders",phase="Running"\} 0/);
    assert.equal(text.match(/name="orders",phase="\w+"\} 1/g)?.length, 1);
    metrics.forgetFlow('shop', 'orders');
    assert.doesNotMatch(await metrics.text(), /name="orders"/);
  });

  void it('records reconcile duration by result, errors by stage and in-flight count', async () => {
    const metrics = new ControllerMetrics();
    const finish = metrics.reconcileStarted();
    assert.match(await metrics.text(), /dataflow_controller_reconcile_inflight 1/);
    finish('error');
    finish('error');
    metrics.reconcileFailed('apply');
    const text = await metrics.text();
    assert.match(text, /dataflow_controller_reconcile_inflight 0/);
    assert.match(text, /dataflow_controller_reconcile_duration_seconds_count\{result="error"\} 1/);
    assert.match(text, /dataflow_controller_reconcile_errors_total\{stage="apply"\} 1/);
  });
});
