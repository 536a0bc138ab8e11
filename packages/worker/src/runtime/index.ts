// The streaming runtime's public surface (re-exported from the package root).
export { AckTicket, AckTracker } from './ack-tracker.js';
export type { Released } from './ack-tracker.js';
export { Batcher, DEFAULT_BATCH_POLICY } from './batcher.js';
export type { Batch, BatchPolicy, BatchSlice, Segment } from './batcher.js';
export { ERROR_SINK_NAME, buildErrorRecord } from './error-sink.js';
export type { FailureDescription } from './error-sink.js';
export { batchPolicyOf, buildFlow } from './flow.js';
export type { FlowPlan } from './flow.js';
export { combineObservers, noopObserver } from './observer.js';
export type { PipelineObserver } from './observer.js';
export {
  DEFAULT_CHANNEL_BUFFER_SIZE,
  DEFAULT_READ_BATCH_SIZE,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  MAIN_SINK_NAME,
  runPipeline,
} from './pipeline.js';
export type { PipelineOptions, PipelineSummary } from './pipeline.js';
export { DEFAULT_BACKOFF, backoffDelayMs, realRetryEnv, withRetry } from './retry.js';
export type { BackoffPolicy, RetryEnv, RetryOptions } from './retry.js';
export { silentLogger } from './silent-logger.js';
export type { SinkBinding } from './sink-lane.js';
