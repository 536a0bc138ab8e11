import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../plugin.js';
import { handleShutdownSignals } from './shutdown-signals.js';

const lines: string[] = [];
const log: Logger = {
  debug: () => undefined,
  info: (_obj, msg) => lines.push(`info ${msg ?? ''}`),
  warn: (_obj, msg) => lines.push(`warn ${msg ?? ''}`),
  error: () => undefined,
  child: () => log,
};

void describe('handleShutdownSignals', () => {
  void it('aborts on the first signal and forces on the second', () => {
    const stops: string[] = [];
    const forced: string[] = [];
    const listeners = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const shutdown = handleShutdownSignals({ log, onStop: (s) => stops.push(s), onForce: (s) => forced.push(s) });
    try {
      assert.equal(shutdown.signal.aborted, false);
      process.emit('SIGTERM', 'SIGTERM');
      assert.equal(shutdown.signal.aborted, true);
      assert.deepEqual(stops, ['SIGTERM']);
      assert.deepEqual(forced, []);
      process.emit('SIGINT', 'SIGINT');
      assert.deepEqual(forced, ['SIGINT']);
      assert.match(lines.join('\n'), /info stopping: draining[\s\S]*warn second signal: exiting without draining/);
    } finally {
      shutdown.dispose();
    }
    assert.deepEqual([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')], listeners);
  });
});
