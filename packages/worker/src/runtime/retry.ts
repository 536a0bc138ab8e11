// Retries an operation while it fails with a retriable error: exponential backoff with jitter,
// no attempt limit (a flow waits out an outage while back-pressure holds the source), stopped only
// by the abort signal. Anything not marked retriable (config errors, record errors, programming
// errors such as TypeError) is thrown at once. Sleep, clock and randomness are injected so tests
// run without real waiting.
import { setTimeout as delay } from 'node:timers/promises';
import { DataflowError, ErrorCode, errorMessage, isRetriable } from '../errors.js';

export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly initialMs: number;
  readonly multiplier: number;
  /** No single wait is longer than this. */
  readonly maxMs: number;
  /** Each delay is spread by ±jitter (0.2 = ±20 %). */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 200, multiplier: 2, maxMs: 30_000, jitter: 0.2 });

export interface RetryEnv {
  /** Resolves after `ms`, or rejects/resolves early when the signal aborts (either is fine). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

export const realRetryEnv: RetryEnv = {
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
  random: () => Math.random(),
};

/** Delay before retry number `retry` (1 = first retry). */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (retry - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.maxMs, Math.max(0, base + spread)));
}

export interface RetryOptions {
  /** Stops retrying; the last error is then reported as a shutdown error. */
  readonly signal: AbortSignal;
  /** What is being attempted, for the error raised on abort (`sink 'main' write`). */
  readonly what: string;
  readonly policy?: BackoffPolicy;
  readonly env?: RetryEnv;
  /** Called before each wait (metrics + a log line: the caller knows its labels). */
  readonly onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = options.policy ?? DEFAULT_BACKOFF;
  const env = options.env ?? realRetryEnv;
  const { signal } = options;
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abandoned(options.what, attempt - 1, lastError);
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetriable(error)) throw error;
      lastError = error;
      if (signal.aborted) throw abandoned(options.what, attempt, error);
      const wait = backoffDelayMs(attempt, policy, () => env.random());
      options.onRetry?.(error, attempt, wait);
      await env.sleep(wait, signal);
    }
  }
}

function abandoned(what: string, attempts: number, lastError: unknown): DataflowError {
  const last = lastError === undefined ? '' : `: ${errorMessage(lastError)}`;
  return new DataflowError(ErrorCode.shutdown, `${what} abandoned after ${attempts} attempt(s) because the flow is stopping${last}`, false, {
    cause: lastError,
  });
}
