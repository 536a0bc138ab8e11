import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Logger } from '../plugin.js';
import type { FlowCounts } from './counts.js';
import { LocalStatusReporter, startStatusReporting } from './status-reporter.js';
import type { StatusReporter } from './status-reporter.js';

interface Line {
  level: string;
  obj: object;
  msg: string | undefined;
}

function memoryLog(lines: Line[] = []): Logger & { lines: Line[] } {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const log = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

/** Lets the promise chains started by a fired timer settle (setImmediate is not mocked). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function counts(processed: number): FlowCounts {
  return { processed, errors: 0, filtered: 0, deadLettered: 0 };
}

class RecordingReporter implements StatusReporter {
  readonly reports: FlowCounts[] = [];
  failNext = 0;
  report(c: FlowCounts): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('status store unavailable'));
    }
    this.reports.push(c);
    return Promise.resolve();
  }
}

void describe('startStatusReporting', () => {
  void it('writes once per interval, skips unchanged counts, and writes the final counts on stop', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const reporter = new RecordingReporter();
    let processed = 0;
    const reporting = startStatusReporting({ reporter, counts: () => counts(processed), log: memoryLog() });

    processed = 5; // many messages between two reports: still a single write
    processed = 50;
    t.mock.timers.tick(9_999);
    await settle();
    assert.equal(reporter.reports.length, 0, 'nothing before the first interval (default 10 s)');
    t.mock.timers.tick(1);
    await settle();
    assert.deepEqual(reporter.reports, [counts(50)]);

    t.mock.timers.tick(10_000);
    await settle();
    assert.equal(reporter.reports.length, 1, 'unchanged counts are not written again');

    processed = 70;
    t.mock.timers.tick(10_000);
    await settle();
    processed = 75;
    await reporting.stop();
    assert.deepEqual(reporter.reports, [counts(50), counts(70), counts(75)]);

    t.mock.timers.tick(60_000);
    await settle();
    await reporting.stop();
    assert.equal(reporter.reports.length, 3, 'no write after stop, and stop is idempotent');
  });

  void it('logs a failure streak once, keeps running, and says when it recovered', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const reporter = new RecordingReporter();
    const log = memoryLog();
    let processed = 1;
    const reporting = startStatusReporting({ reporter, counts: () => counts(processed), intervalMs: 1_000, log });

    reporter.failNext = 3;
    for (let i = 0; i < 3; i++) {
      processed++;
      t.mock.timers.tick(1_000);
      await settle();
    }
    assert.equal(reporter.reports.length, 0);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);

    t.mock.timers.tick(1_000);
    await settle();
    assert.deepEqual(reporter.reports, [counts(4)]);
    assert.ok(log.lines.some((l) => l.level === 'info' && l.msg === 'status reporting recovered'));
    await reporting.stop();
  });

  void it('waits for a report in flight before the final one', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const order: string[] = [];
    let release: () => void = () => undefined;
    const reporter: StatusReporter = {
      report(c) {
        order.push(`start ${c.processed}`);
        if (c.processed === 1) {
          return new Promise<void>((resolve) => {
            release = () => {
              order.push('end 1');
              resolve();
            };
          });
        }
        order.push(`end ${c.processed}`);
        return Promise.resolve();
      },
    };
    let processed = 1;
    const reporting = startStatusReporting({ reporter, counts: () => counts(processed), intervalMs: 1_000, log: memoryLog() });
    t.mock.timers.tick(1_000);
    await settle();
    processed = 2;
    const stopped = reporting.stop();
    await settle();
    release();
    await stopped;
    assert.deepEqual(order, ['start 1', 'end 1', 'start 2', 'end 2']);
  });

  void it('with heartbeat: true writes every interval even when the counts did not change', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const reporter = new RecordingReporter();
    const reporting = startStatusReporting({ reporter, counts: () => counts(7), intervalMs: 1_000, heartbeat: true, log: memoryLog() });
    for (let i = 0; i < 3; i++) {
      t.mock.timers.tick(1_000);
      await settle();
    }
    await reporting.stop();
    assert.deepEqual(reporter.reports, [counts(7), counts(7), counts(7), counts(7)], 'three intervals and the final write');
  });

  void it('rejects a non-positive interval', () => {
    assert.throws(
      () => startStatusReporting({ reporter: new RecordingReporter(), counts: () => counts(0), intervalMs: 0, log: memoryLog() }),
      /intervalMs/,
    );
  });
});

void describe('LocalStatusReporter', () => {
  void it('replaces a JSON file atomically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-status-'));
    try {
      const file = join(dir, 'status.json');
      const reporter = new LocalStatusReporter({ file });
      await reporter.report(counts(1));
      await reporter.report({ ...counts(2), lastProcessedTime: '2026-01-01T00:00:00.000Z' });
      assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
        ...counts(2),
        lastProcessedTime: '2026-01-01T00:00:00.000Z',
      });
      assert.deepEqual(await readdir(dir), ['status.json'], 'no temporary file left behind');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('writes to the log when no file is given', async () => {
    const log = memoryLog();
    await new LocalStatusReporter({ log }).report(counts(3));
    assert.deepEqual(log.lines, [{ level: 'info', obj: { counts: counts(3) }, msg: 'flow status' }]);
  });

  void it('fails visibly when the file cannot be written', async () => {
    const reporter = new LocalStatusReporter({ file: join(tmpdir(), 'df-no-such-dir', 'x', 'status.json') });
    await assert.rejects(reporter.report(counts(1)), /ENOENT/);
  });
});
