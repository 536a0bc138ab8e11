import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import type { Logger } from '../../plugin.js';
import { kafkaLogCreator } from './client.js';

const { logLevel } = kafkajs;

function recordingLogger(lines: Array<[string, object, string | undefined]>): Logger {
  const logger: Logger = {
    debug: (obj, msg) => lines.push(['debug', obj, msg]),
    info: (obj, msg) => lines.push(['info', obj, msg]),
    warn: (obj, msg) => lines.push(['warn', obj, msg]),
    error: (obj, msg) => lines.push(['error', obj, msg]),
    child: () => logger,
  };
  return logger;
}

void describe('kafkajs log lines', () => {
  void it('become warnings (errors included), expected notices and chatter debug lines', () => {
    const lines: Array<[string, object, string | undefined]> = [];
    const write = kafkaLogCreator(recordingLogger(lines))(logLevel.WARN);
    const entry = (level: number, message: string) => ({ namespace: 'Consumer', level, label: '', log: { timestamp: 'now', message, groupId: 'g' } });
    write(entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded'));
    write(entry(logLevel.WARN, 'The group is rebalancing, re-joining'));
    write(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    write(entry(logLevel.INFO, 'Consumer has joined the group'));
    assert.deepEqual(lines, [
      ['warn', { kafkajs: 'Consumer', groupId: 'g' }, 'Crash: KafkaJSNumberOfRetriesExceeded'],
      ['warn', { kafkajs: 'Consumer', groupId: 'g' }, 'The group is rebalancing, re-joining'],
      ['debug', { kafkajs: 'Consumer', groupId: 'g' }, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'],
      ['debug', { kafkajs: 'Consumer', groupId: 'g' }, 'Consumer has joined the group'],
    ]);
  });
});
