import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONDITION_REASONS, findCondition, isConditionTrue, removeCondition, setCondition } from './conditions.js';
import type { Condition } from './dataflow.js';

const t0 = new Date('2026-01-01T10:00:00.123Z');
const t1 = new Date('2026-01-01T10:05:00.000Z');

void describe('setCondition', () => {
  void it('appends a new condition with lastTransitionTime = now (second precision)', () => {
    const list = setCondition([], { type: 'Ready', status: 'False', reason: CONDITION_REASONS.pending, message: 'starting' }, t0);
    assert.deepEqual(list, [{ type: 'Ready', status: 'False', reason: 'Pending', message: 'starting', lastTransitionTime: '2026-01-01T10:00:00Z' }]);
  });

  void it('keeps lastTransitionTime when the status does not change, but updates reason and message', () => {
    const first = setCondition([], { type: 'Ready', status: 'True', reason: 'A', message: 'a', observedGeneration: 1 }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'B', message: 'b', observedGeneration: 2 }, t1);
    assert.equal(second[0]?.lastTransitionTime, '2026-01-01T10:00:00Z');
    assert.equal(second[0]?.reason, 'B');
    assert.equal(second[0]?.message, 'b');
    assert.equal(second[0]?.observedGeneration, 2);
  });

  void it('moves lastTransitionTime when the status flips', () => {
    const first = setCondition([], { type: 'Ready', status: 'True', reason: 'A', message: '' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'B', message: '' }, t1);
    assert.equal(second[0]?.lastTransitionTime, '2026-01-01T10:05:00Z');
  });

  void it('keeps the position of other conditions and does not modify the input', () => {
    let list: Condition[] = [];
    list = setCondition(list, { type: 'SpecValid', status: 'True', reason: 'SpecValid', message: '' }, t0);
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'WorkerAvailable', message: '' }, t0);
    const frozen = structuredClone(list);
    const next = setCondition(list, { type: 'SpecValid', status: 'False', reason: 'SpecInvalid', message: 'x' }, t1);
    assert.deepEqual(list, frozen);
    assert.deepEqual(next.map((c) => c.type), ['SpecValid', 'Ready']);
    assert.equal(isConditionTrue(next, 'SpecValid'), false);
    assert.equal(isConditionTrue(next, 'Ready'), true);
    assert.equal(findCondition(next, 'Degraded'), undefined);
    assert.deepEqual(removeCondition(next, 'Ready').map((c) => c.type), ['SpecValid']);
  });

  void it('uses an explicit lastTransitionTime on a transition', () => {
    const list = setCondition([], { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '', lastTransitionTime: '2025-12-31T00:00:00Z' }, t0);
    assert.equal(list[0]?.lastTransitionTime, '2025-12-31T00:00:00Z');
  });
});
