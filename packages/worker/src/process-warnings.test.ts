import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { Logger } from './plugin.js';
import { isKafkajsNegativeTimeout, logProcessWarnings } from './process-warnings.js';

function recordingLog(lines: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_obj, msg) => lines.push(msg ?? ''),
    error: () => undefined,
    child: () => log,
  };
  return log;
}

function warningWithStack(name: string, stack: string): Error {
  const warning = new Error('-1747359280440 is a negative number.');
  warning.name = name;
  warning.stack = stack;
  return warning;
}

void describe('process warnings', () => {
  void it("recognises only kafkajs's request-queue TimeoutNegativeWarning", () => {
    const kafkajs = 'TimeoutNegativeWarning: x\n    at RequestQueue.scheduleCheckPendingRequests (node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';
    assert.equal(isKafkajsNegativeTimeout(warningWithStack('TimeoutNegativeWarning', kafkajs)), true);
    assert.equal(isKafkajsNegativeTimeout(warningWithStack('TimeoutNegativeWarning', 'at ourTimer (src/runtime/batcher.js:1:1)')), false);
    assert.equal(isKafkajsNegativeTimeout(warningWithStack('DeprecationWarning', kafkajs)), false);
  });

  void it('logs other warnings through the logger and restores the previous listeners', async () => {
    const lines: string[] = [];
    const before = process.listenerCount('warning');
    const restore = logProcessWarnings(recordingLog(lines));
    try {
      const seen = once(process, 'warning');
      process.emitWarning('something odd', 'ExperimentalWarning');
      await seen;
      process.emit('warning', warningWithStack('TimeoutNegativeWarning', 'at RequestQueue (kafkajs/src/network/requestQueue/index.js:1:1)'));
    } finally {
      restore();
    }
    assert.deepEqual(lines, ['node warning: something odd']);
    assert.equal(process.listenerCount('warning'), before);
  });
});
