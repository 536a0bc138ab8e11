// Polls a condition until it holds; fails with a message saying what never happened.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What was awaited, for the timeout error. */
  readonly what?: string;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitForOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 5;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() >= deadline) throw new Error(`waitFor: ${options.what ?? 'condition'} did not hold within ${timeoutMs} ms`);
    await delay(intervalMs);
  }
}
