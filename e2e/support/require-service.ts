// decisions.md §7: a test never passes by skipping when CI=true. Outside CI a missing service
// skips the test with a message that says how to start it.
import type { TestContext } from 'node:test';

export const inCI = (): boolean => process.env['CI'] === 'true';

/**
 * Runs `probe`; true when the service answers. Otherwise: with CI=true throws (the test fails),
 * else marks the test skipped and returns false (the caller returns at once).
 */
export async function requireService(t: TestContext, name: string, probe: () => Promise<void>, howToStart: string): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `${name} is not reachable (${reason}); start it with: ${howToStart}`;
    if (inCI()) throw new Error(`CI=true and ${message}`);
    t.skip(message);
    return false;
  }
}
