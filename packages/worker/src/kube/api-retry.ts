// Bounded retries of one API call: conflicts, 5xx, 429, timeouts and network errors are retried
// with exponential backoff; anything else (403, 404, 422…) is thrown at once. Bounded because the
// callers have their own outer rhythm (the next status interval, the next checkpoint save).
import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs } from '../runtime/retry.js';
import type { BackoffPolicy } from '../runtime/retry.js';
import { isKubeApiError } from './in-cluster.js';

export const API_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 250, multiplier: 2, maxMs: 5_000, jitter: 0.2 });

export interface ApiRetryOptions {
  /** Attempts in all (first try included); default 4. */
  readonly attempts?: number;
  readonly policy?: BackoffPolicy;
  /** Injected in tests so they do not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function retryApiCall<T>(call: () => Promise<T>, options: ApiRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const policy = options.policy ?? API_BACKOFF;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isKubeApiError(error) || !error.retriable) throw error;
      await sleep(backoffDelayMs(attempt, policy, Math.random));
    }
  }
}
