import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, ConnectionError, DataflowError, ErrorCode, RecordError } from '../errors.js';
import { DEFAULT_BACKOFF, backoffDelayMs, withRetry } from './retry.js';
import type { RetryEnv } from './retry.js';

function fakeEnv(random = 0.5): RetryEnv & { slept: number[] } {
  const slept: number[] = [];
  return { slept, random: () => random, sleep: (ms) => (slept.push(ms), Promise.resolve()) };
}

void describe('backoffDelayMs', () => {
  void it('doubles from 200 ms and caps at 30 s', () => {
    const mid = () => 0.5; // no jitter
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(n, DEFAULT_BACKOFF, mid)), [200, 400, 800, 1600]);
    assert.equal(backoffDelayMs(20, DEFAULT_BACKOFF, mid), 30_000);
  });

  void it('spreads each delay by ±20 % and never exceeds the cap', () => {
    assert.equal(backoffDelayMs(1, DEFAULT_BACKOFF, () => 0), 160);
    assert.equal(backoffDelayMs(1, DEFAULT_BACKOFF, () => 0.999999), 240);
    assert.equal(backoffDelayMs(30, DEFAULT_BACKOFF, () => 0.999999), 30_000);
    assert.equal(backoffDelayMs(30, DEFAULT_BACKOFF, () => 0), 24_000);
  });
});

void describe('withRetry', () => {
  void it('retries retriable errors until the operation succeeds, reporting each retry', async () => {
    const env = fakeEnv();
    const retries: number[] = [];
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        return calls < 4 ? Promise.reject(new ConnectionError('refused')) : Promise.resolve('ok');
      },
      { signal: new AbortController().signal, what: 'test', env, onRetry: (_e, n) => retries.push(n) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 4);
    assert.deepEqual(retries, [1, 2, 3]);
    assert.deepEqual(env.slept, [200, 400, 800]);
  });

  void it('keeps retrying beyond any fixed attempt count', async () => {
    const env = fakeEnv();
    let calls = 0;
    await withRetry(() => (++calls < 50 ? Promise.reject(new ConnectionError('down')) : Promise.resolve()), {
      signal: new AbortController().signal,
      what: 'test',
      env,
    });
    assert.equal(calls, 50);
    assert.equal(env.slept.at(-1), 30_000);
  });

  for (const [name, error] of [
    ['a config error', new ConfigError('bad')],
    ['a record error', new RecordError('bad row')],
    ['a programming error', new TypeError('x is undefined')],
  ] as const) {
    void it(`never retries ${name}`, async () => {
      const env = fakeEnv();
      let calls = 0;
      await assert.rejects(
        withRetry(() => (calls++, Promise.reject(error)), { signal: new AbortController().signal, what: 'test', env }),
        (thrown) => thrown === error,
      );
      assert.equal(calls, 1);
      assert.deepEqual(env.slept, []);
    });
  }

  void it('stops when aborted and says what was abandoned', async () => {
    const controller = new AbortController();
    const env: RetryEnv = { random: () => 0.5, sleep: () => (controller.abort(), Promise.resolve()) };
    await assert.rejects(
      withRetry(() => Promise.reject(new ConnectionError('refused')), { signal: controller.signal, what: "sink 'main' write", env }),
      (error: unknown) =>
        error instanceof DataflowError && error.code === ErrorCode.shutdown && /sink 'main' write abandoned after 1 attempt\(s\).*refused/.test(error.message),
    );
  });
});
