// Node process warnings go to the structured log (one JSON line, not a stray stderr text block),
// except one known false alarm: kafkajs 2.2.4 schedules its request-queue check with
// `throttledUntil - Date.now()`, which is a large negative number when no throttle is set; Node 24
// warns (TimeoutNegativeWarning) and uses 1 ms, which is exactly what kafkajs wants
// (kafkajs issue 1751, unreleased fix). Nothing else is dropped.
import type { Logger } from './plugin.js';

/** True for the TimeoutNegativeWarning that kafkajs's RequestQueue causes on every connection. */
export function isKafkajsNegativeTimeout(warning: Error): boolean {
  return warning.name === 'TimeoutNegativeWarning' && (warning.stack ?? '').includes('requestQueue');
}

/** Replaces Node's default warning printer with the logger; returns a function that undoes it. */
export function logProcessWarnings(log: Logger): () => void {
  const previous = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (warning: Error): void => {
    if (isKafkajsNegativeTimeout(warning)) return;
    log.warn({ warning: warning.name, stack: warning.stack }, `node warning: ${warning.message}`);
  };
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const listener of previous) process.on('warning', listener);
  };
}
