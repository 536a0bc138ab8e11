// SIGTERM / SIGINT handling for a process that runs one flow: the first signal asks for a graceful
// stop (stop reading, drain, flush, commit); a second one means "now": the process exits at once
// with 130 and whatever was not committed is read again next time (at-least-once).
import type { Logger } from '../plugin.js';
import { removeEarlyExit } from './early-exit.js';

export const FORCED_EXIT_CODE = 130;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface ShutdownSignalsOptions {
  readonly log: Logger;
  /** Called on the first signal, after the abort (e.g. to tell a terminal user what happens now). */
  readonly onStop?: (signal: NodeJS.Signals) => void;
  /** Called on the second signal instead of exiting (tests); default: `process.exit(130)`. */
  readonly onForce?: (signal: NodeJS.Signals) => void;
  /** Called right before the default forced exit, e.g. to flush the logger. */
  readonly beforeForcedExit?: () => void;
}

export interface ShutdownSignals {
  /** Aborts on the first SIGTERM or SIGINT. */
  readonly signal: AbortSignal;
  /** Removes the handlers (the process then reacts to the signals in Node's default way). */
  dispose(): void;
}

export function handleShutdownSignals(options: ShutdownSignalsOptions): ShutdownSignals {
  const controller = new AbortController();
  const { log } = options;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      log.info({ signal }, 'stopping: draining in-flight messages (send the signal again to exit at once)');
      controller.abort(new Error(`received ${signal}`));
      options.onStop?.(signal);
      return;
    }
    log.warn({ signal, exitCode: FORCED_EXIT_CODE }, 'second signal: exiting without draining; uncommitted messages will be read again');
    if (options.onForce !== undefined) {
      options.onForce(signal);
      return;
    }
    options.beforeForcedExit?.();
    process.exit(FORCED_EXIT_CODE);
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  // Only now, with this handler in place: removing the last listener of a signal stops Node's
  // watcher for it, and a signal that arrived but was not dispatched yet would be lost.
  removeEarlyExit();
  return {
    signal: controller.signal,
    dispose() {
      for (const name of SIGNALS) process.off(name, onSignal);
    },
  };
}
