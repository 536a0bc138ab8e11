import type { Logger } from '../plugin.js';

/** A Logger that drops everything: the default when the caller passes none (tests, benchmarks). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
