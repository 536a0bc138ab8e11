// Test helpers shared by the packages' tests: in-memory connectors, message builders, a plugin
// context, waitFor, and the conformance suites every connector must pass.
export { MemorySource } from './memory-source.js';
export type { MemorySourceOptions } from './memory-source.js';
export { MemorySink } from './memory-sink.js';
export type { MemorySinkOptions } from './memory-sink.js';
export { makeMessage, makeMessages, numberedMessages } from './messages.js';
export type { MessageAt } from './messages.js';
export { testContext } from './context.js';
export type { TestContext, TestContextOptions } from './context.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { sourceConformance } from './source-conformance.js';
export type { SourceConformanceOptions, SourceHarness } from './source-conformance.js';
export { sinkConformance } from './sink-conformance.js';
export type { SinkConformanceOptions, SinkHarness } from './sink-conformance.js';
export * from './services.js';
