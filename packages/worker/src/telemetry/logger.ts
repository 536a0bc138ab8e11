// The worker's JSON logger (pino). Every line carries the flow's namespace and name; secret-named
// keys are redacted and credentials inside connection strings are masked (./redact.ts).
//
// Logging rule for the whole worker: NOTHING is logged per message or per batch at info level or
// above — no payloads, no SQL with data, no "wrote N rows" lines (upstream logged full message
// previews per message, upstream-reference.md §9.4 item 36). Per-message facts are metrics; logs are
// for state changes (connected, retrying, degraded, stopping) and throttled failure summaries
// (./events.ts). Never log a whole connector config: log the fields you need; redaction is a
// safety net that only reaches a few levels deep.
import { hostname } from 'node:os';
import { pino, stdSerializers } from 'pino';
import type { DestinationStream } from 'pino';
import type { FlowIdentity, Logger } from '../plugin.js';
import { censor, redactionPaths, redactUrl } from './redact.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** One of LOG_LEVELS; a string because it usually comes from a flag or the environment. */
  readonly level: string;
  readonly flow: FlowIdentity;
  /** Where lines go; stdout when omitted. Tests pass a memory stream. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
}

/** The process's root logger: the plugin `Logger` plus what the entrypoint needs at exit. */
export interface RootLogger extends Logger {
  fatal(obj: object, msg?: string): void;
  /** Writes buffered lines out (call before process.exit). */
  flush(): void;
}

export function isLogLevel(level: string): level is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

/** Error serializer that also masks credentials an error message or stack quotes. */
function serializeError(error: Error): Record<string, unknown> {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  // Callers also log plain strings under `err`: pino hands those back unchanged.
  if (!(error instanceof Error) || typeof serialized !== 'object' || serialized === null) return serialized;
  serialized['message'] = messageWithNewCauses(error);
  for (const field of ['message', 'stack'] as const) {
    const value = serialized[field];
    if (typeof value === 'string') serialized[field] = redactUrl(value);
  }
  return serialized;
}

/**
 * The message followed by the messages of its causes — except those it already quotes: our
 * wrappers usually end with the cause's message, and pino's own joining would repeat it.
 */
function messageWithNewCauses(error: Error): string {
  let message = error.message;
  const seen = new Set<unknown>([error]);
  for (let cause: unknown = error.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    if (cause.message !== '' && !message.includes(cause.message)) message += `: ${cause.message}`;
  }
  return message;
}

export function createLogger(options: LoggerOptions): RootLogger {
  if (!isLogLevel(options.level)) {
    throw new Error(`logger: level "${options.level}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const settings = {
    level: options.level,
    base: { hostname: hostname(), flow: { namespace: options.flow.namespace, name: options.flow.name } },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Level names ("warn") read better than numbers in kubectl logs and log pipelines.
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactionPaths(), censor },
    serializers: { err: serializeError, error: serializeError },
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
