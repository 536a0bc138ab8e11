import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../plugin.js';
import { createEventLog } from './events.js';

function memoryLog() {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string | undefined }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return { log, lines };
}

void describe('event log', () => {
  void it('logs nothing for the per-batch hot path', () => {
    const { log, lines } = memoryLog();
    const events = createEventLog({ log });
    events.read(1000);
    events.transformed(0, 'mask', 1000, 1000, 0.01);
    events.filtered(3);
    events.written('main', 'stdout', 997, 0.01);
    events.deadLettered(0);
    events.committed(1000, []);
    events.queueSize('main', 10);
    assert.deepEqual(lines, []);
  });

  void it('logs connector state changes once each', () => {
    const { log, lines } = memoryLog();
    const events = createEventLog({ log });
    events.connection('sink', 'main', 'postgresql', true);
    events.connection('sink', 'main', 'postgresql', true);
    events.connection('sink', 'main', 'postgresql', false);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['connector opened', 'connector closed'],
    );
  });

  void it('summarises failures at most once per interval, with the count held back', () => {
    const { log, lines } = memoryLog();
    let clock = 0;
    const events = createEventLog({ log, summaryIntervalMs: 10_000, now: () => clock });
    events.recordFailed('transform:1:cast', ErrorCode.transform, 2);
    for (let i = 0; i < 100; i++) {
      clock += 50;
      events.recordFailed('transform:1:cast', ErrorCode.transform, 1);
    }
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0]?.obj, { stage: 'transform:1:cast', errorType: 'transformation_error', count: 2 });

    clock = 10_000;
    events.recordFailed('transform:1:cast', ErrorCode.transform, 1);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.obj['count'], 101);

    events.writeRetried('main', 'postgresql', ErrorCode.timeout);
    events.writeRetried('main', 'postgresql', ErrorCode.timeout);
    events.recordFailed('transform:1:cast', ErrorCode.transform, 4);
    assert.equal(lines.length, 3, 'a different failure is logged at once');
    events.flush();
    assert.deepEqual(
      lines.slice(3).map((l) => [l.msg, l.obj['count']]),
      [
        ['records failed', 4],
        ['sink write failed; retrying with backoff', 1],
      ],
    );
  });
});
