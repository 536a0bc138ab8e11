import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LagTracker } from './lag.js';

void describe('kafka consumer lag', () => {
  void it('is the high watermark minus the resume offset until a commit, then minus the committed offset', () => {
    const lag = new LagTracker();
    assert.deepEqual(lag.lags('t'), [], 'nothing fetched: nothing reported');
    lag.fetched(3, '100', '1000');
    lag.fetched(1, '0', '50');
    assert.deepEqual(lag.lags('t'), [
      { topic: 't', partition: 1, lag: 50 },
      { topic: 't', partition: 3, lag: 900 },
    ]);
    lag.committed(3, 600n);
    lag.fetched(3, '700', '1200');
    assert.deepEqual(lag.lags('t')[1], { topic: 't', partition: 3, lag: 600 }, 'a later fetch does not move the resume point');
    lag.committed(1, 50n);
    assert.equal(lag.lags('t')[0]?.lag, 0, 'caught up');
  });

  void it('forgets revoked partitions and ignores commits for partitions it never fetched', () => {
    const lag = new LagTracker();
    lag.fetched(0, '5', '10');
    lag.committed(9, 3n);
    lag.revoke(0);
    assert.deepEqual(lag.lags('t'), []);
    lag.fetched(0, '10', '12');
    assert.deepEqual(lag.lags('t'), [{ topic: 't', partition: 0, lag: 2 }], 'a partition assigned again starts from its new resume point');
  });
});
