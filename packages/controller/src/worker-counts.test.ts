import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerReport } from '@dataflow/api';
import { foldWorkerCounts } from './worker-counts.js';

const NOW = new Date('2025-01-01T12:00:00Z');
const at = (secondsAgo: number): string => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();

function report(processed: number, heartbeatSecondsAgo: number, lastProcessedSecondsAgo?: number): WorkerReport {
  const r: WorkerReport = { processed, errors: 1, filtered: 2, deadLettered: 0, heartbeat: at(heartbeatSecondsAgo) };
  if (lastProcessedSecondsAgo !== undefined) r.lastProcessedTime = at(lastProcessedSecondsAgo);
  return r;
}

void describe('foldWorkerCounts', () => {
  void it('sums live pods and the retired counts', () => {
    const result = foldWorkerCounts({
      workers: { a: report(10, 5, 30), b: report(20, 5, 10) },
      retired: { processed: 100, errors: 3, filtered: 0, deadLettered: 4, lastProcessedTime: at(3600) },
      livePods: new Set(['a', 'b']),
      now: NOW,
      retireAfterMs: 60_000,
    });
    assert.deepEqual(result.totals, { processedCount: 130, errorCount: 5, filteredCount: 4, deadLetteredCount: 4, lastProcessedTime: at(10) });
    assert.deepEqual(result.folded, []);
  });

  void it('folds a gone pod into retired without changing any total', () => {
    const input = { workers: { a: report(10, 120), b: report(20, 5) }, retired: undefined, livePods: new Set(['b']), now: NOW, retireAfterMs: 60_000 };
    const before = foldWorkerCounts({ ...input, livePods: new Set(['a', 'b']) });
    const after = foldWorkerCounts(input);
    assert.deepEqual(after.folded, ['a']);
    assert.deepEqual(after.retired, { processed: 10, errors: 1, filtered: 2, deadLettered: 0 });
    assert.deepEqual(after.totals, before.totals);
    // The next pass sees the entry gone and the counts in retired: still the same totals.
    const next = foldWorkerCounts({ workers: { b: report(20, 5) }, retired: after.retired, livePods: new Set(['b']), now: NOW, retireAfterMs: 60_000 });
    assert.deepEqual(next.totals, after.totals);
    assert.deepEqual(next.folded, []);
  });

  void it('keeps a recently reporting entry whose pod the cache has not seen yet', () => {
    const result = foldWorkerCounts({ workers: { fresh: report(7, 2) }, retired: undefined, livePods: new Set(), now: NOW, retireAfterMs: 60_000 });
    assert.deepEqual(result.folded, []);
    assert.equal(result.totals.processedCount, 7);
  });

  void it('treats malformed numbers as zero instead of poisoning the totals', () => {
    const bad = { processed: -5, errors: Number.NaN, filtered: 'x', deadLettered: 2.7, heartbeat: 'never' } as unknown as WorkerReport;
    const result = foldWorkerCounts({ workers: { bad }, retired: undefined, livePods: new Set(['bad']), now: NOW, retireAfterMs: 60_000 });
    assert.deepEqual(result.totals, { processedCount: 0, errorCount: 0, filteredCount: 0, deadLetteredCount: 2 });
  });
});
