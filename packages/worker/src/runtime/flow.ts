// Turns a DataFlow spec into what runPipeline runs: the source, the compiled transform chain, and
// a sink binding for the main sink (`main`), every declared route (named by its output name) and
// the error sink (`errors`). Nothing is opened here; bad types and configs fail as ConfigError
// before any connection is made.
import type { DataFlowSpec } from '@dataflow/api';
import { ConfigError } from '../errors.js';
import type { BuiltTransform, PluginContext } from '../plugin.js';
import type { ConnectorRegistry, ConnectorSpec } from '../registry.js';
import { buildTransformChain } from '../transforms/index.js';
import type { BatchPolicy } from './batcher.js';
import { DEFAULT_BATCH_POLICY } from './batcher.js';
import { ERROR_SINK_NAME } from './error-sink.js';
import type { PipelineOptions } from './pipeline.js';
import { DEFAULT_CHANNEL_BUFFER_SIZE, MAIN_SINK_NAME } from './pipeline.js';
import type { SinkBinding } from './sink-lane.js';

/** The parts of PipelineOptions a spec determines; the caller adds signal, observer, log. */
export type FlowPlan = Required<Pick<PipelineOptions, 'source' | 'sourceType' | 'transforms' | 'main' | 'routes' | 'channelBufferSize'>> &
  Pick<PipelineOptions, 'errors'>;

export function buildFlow(spec: DataFlowSpec, ctx: PluginContext, registry: ConnectorRegistry): FlowPlan {
  const transforms: BuiltTransform[] = buildTransformChain((spec.transformations ?? []).map(asConnector));
  const source = registry.createSource(asConnector(spec.source), ctx);
  const main = bindSink(MAIN_SINK_NAME, asConnector(spec.sink), ctx, registry, 'spec.sink.config');
  const routes: SinkBinding[] = [];
  transforms.forEach((transform, index) => {
    transform.routes?.forEach((route, r) => {
      routes.push(bindSink(route.name, route.sink, ctx, registry, `spec.transformations[${index}].config.routes[${r}].sink.config`));
    });
  });
  const channelBufferSize = spec.channelBufferSize ?? DEFAULT_CHANNEL_BUFFER_SIZE;
  if (!Number.isInteger(channelBufferSize) || channelBufferSize < 1) {
    throw new ConfigError(`spec.channelBufferSize must be a positive integer, got ${channelBufferSize}`);
  }
  const errors = spec.errors === undefined ? undefined : bindSink(ERROR_SINK_NAME, asConnector(spec.errors), ctx, registry, 'spec.errors.config');
  return { source, sourceType: spec.source.type, transforms, main, routes, channelBufferSize, ...(errors === undefined ? {} : { errors }) };
}

function bindSink(name: string, spec: ConnectorSpec, ctx: PluginContext, registry: ConnectorRegistry, at: string): SinkBinding {
  const sink = registry.createSink(spec, ctx);
  return { name, type: spec.type, sink, batch: batchPolicyOf(spec.config, at) };
}

/** Largest batch when `batchSize: 0` asks for timer-only flushing: bounds memory per sink. */
export const TIMER_ONLY_MAX_BATCH = 100_000;

/**
 * `batchSize` / `batchFlushIntervalSeconds` from a sink config when present, else 500 / 1 s.
 * Upstream semantics: `batchSize: 0` flushes on the timer only, `batchFlushIntervalSeconds: 0`
 * disables the timer (flush on count only); both 0 is rejected by validateSpec.
 */
export function batchPolicyOf(config: Readonly<Record<string, unknown>>, at = 'config'): BatchPolicy {
  const size = config['batchSize'];
  const interval = config['batchFlushIntervalSeconds'];
  if (size !== undefined && (typeof size !== 'number' || !Number.isInteger(size) || size < 0)) {
    throw new ConfigError(`${at}.batchSize must be an integer >= 0, got ${JSON.stringify(size)}`);
  }
  if (interval !== undefined && (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0)) {
    throw new ConfigError(`${at}.batchFlushIntervalSeconds must be a number of seconds >= 0, got ${JSON.stringify(interval)}`);
  }
  if (size === 0 && interval === 0) {
    throw new ConfigError(`${at}: batchSize 0 (timer only) needs batchFlushIntervalSeconds > 0`);
  }
  return {
    maxSize: size === undefined ? DEFAULT_BATCH_POLICY.maxSize : size === 0 ? TIMER_ONLY_MAX_BATCH : size,
    maxAgeMs: interval === undefined ? DEFAULT_BATCH_POLICY.maxAgeMs : interval === 0 ? Number.POSITIVE_INFINITY : interval * 1000,
  };
}

function asConnector(spec: { type: string; config?: unknown }): ConnectorSpec {
  const config = spec.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ConfigError(`config of ${spec.type} must be an object`);
  return { type: spec.type, config: config as Record<string, unknown> };
}
