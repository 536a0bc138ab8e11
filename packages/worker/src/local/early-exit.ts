// Exit 0 on SIGTERM/SIGINT until the flow's own shutdown handling takes over (see main.ts): before
// then nothing has been read, so there is nothing to drain or commit.
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

function exitNow(): void {
  process.exit(0);
}

export function installEarlyExit(): void {
  for (const signal of SIGNALS) process.on(signal, exitNow);
}

/** Called by handleShutdownSignals: from then on a signal drains the flow instead. */
export function removeEarlyExit(): void {
  for (const signal of SIGNALS) process.off(signal, exitNow);
}
