// The operator's JSON logger (pino). Log lines follow the Kubernetes convention (capitalised, past
// tense, no trailing period, object named) and carry keys such as `dataflow`, `stage`, `err`; errors
// are logged as their short summary (kube/errors.ts errorSummary), never as whole client exceptions.
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(level: string): level is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { component: 'dataflow-controller' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // A safety net only: nothing should ever put these fields into a log line.
    redact: { paths: ['*.password', '*.token', '*.data', '*.stringData', 'headers', '*.headers'], censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
