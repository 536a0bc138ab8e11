// Connector registry: connector type → factory. Upstream built connectors in a closed switch
// (house-style.md §3 item 19); here each connector registers itself once (connectors/index.ts is
// the only list) and the flow builder looks types up by name.
import { ConfigError } from './errors.js';
import type { PluginContext, Sink, SinkFactory, Source, SourceFactory } from './plugin.js';

export interface ConnectorSpec {
  readonly type: string;
  readonly config: Record<string, unknown>;
}

export class ConnectorRegistry {
  private readonly sources = new Map<string, SourceFactory>();
  private readonly sinks = new Map<string, SinkFactory>();

  /** Throws when the type is already registered: two connectors must never share a name. */
  registerSource(factory: SourceFactory): this {
    if (this.sources.has(factory.type)) throw new Error(`source connector '${factory.type}' is registered twice`);
    this.sources.set(factory.type, factory);
    return this;
  }

  registerSink(factory: SinkFactory): this {
    if (this.sinks.has(factory.type)) throw new Error(`sink connector '${factory.type}' is registered twice`);
    this.sinks.set(factory.type, factory);
    return this;
  }

  /** Registered source types, sorted. */
  sourceTypes(): string[] {
    return [...this.sources.keys()].sort();
  }

  sinkTypes(): string[] {
    return [...this.sinks.keys()].sort();
  }

  /** ConfigError listing the known types when `type` is unknown. */
  sourceFactory(type: string): SourceFactory {
    const factory = this.sources.get(type);
    if (factory === undefined) throw unknownType('source', type, this.sourceTypes());
    return factory;
  }

  sinkFactory(type: string): SinkFactory {
    const factory = this.sinks.get(type);
    if (factory === undefined) throw unknownType('sink', type, this.sinkTypes());
    return factory;
  }

  createSource(spec: ConnectorSpec, ctx: PluginContext): Source {
    return this.sourceFactory(spec.type).create(spec.config, ctx);
  }

  createSink(spec: ConnectorSpec, ctx: PluginContext): Sink {
    return this.sinkFactory(spec.type).create(spec.config, ctx);
  }
}

function unknownType(role: 'source' | 'sink', type: string, known: readonly string[]): ConfigError {
  const list = known.length === 0 ? 'none are registered' : `known: ${known.join(', ')}`;
  return new ConfigError(`unknown ${role} type '${type}' (${list})`);
}
