import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinRegistry } from './connectors/index.js';
import { ConfigError } from './errors.js';
import type { PluginContext, SinkFactory } from './plugin.js';
import { ConnectorRegistry } from './registry.js';
import { silentLogger } from './runtime/silent-logger.js';

const ctx: PluginContext = {
  log: silentLogger,
  flow: { namespace: 'default', name: 'test' },
  secrets: { read: () => Promise.reject(new Error('no secrets in this test')) },
  checkpoints: { load: () => Promise.resolve(undefined), save: () => Promise.resolve() },
};

const nullSink: SinkFactory = {
  type: 'null',
  create: () => ({
    open: () => Promise.resolve(),
    write: () => Promise.resolve({ failed: [] }),
    close: () => Promise.resolve(),
  }),
};

void describe('ConnectorRegistry', () => {
  void it('finds registered factories by type', () => {
    const registry = new ConnectorRegistry().registerSink(nullSink);
    assert.equal(registry.sinkFactory('null'), nullSink);
    assert.deepEqual(registry.sinkTypes(), ['null']);
  });

  void it('refuses a second factory for the same type', () => {
    const registry = new ConnectorRegistry().registerSink(nullSink);
    assert.throws(() => registry.registerSink(nullSink), /sink connector 'null' is registered twice/);
  });

  void it('names the known types when a type is unknown', () => {
    const registry = new ConnectorRegistry().registerSink(nullSink).registerSink({ ...nullSink, type: 'another' });
    assert.throws(
      () => registry.sinkFactory('nul'),
      (error: unknown) => error instanceof ConfigError && error.message === "unknown sink type 'nul' (known: another, null)",
    );
    assert.throws(() => registry.sourceFactory('x'), /unknown source type 'x' \(none are registered\)/);
  });

  void it('holds the local connectors among the built-ins', () => {
    const registry = builtinRegistry();
    for (const type of ['file', 'generator']) assert.ok(registry.sourceTypes().includes(type), `source ${type}`);
    for (const type of ['file', 'stdout']) assert.ok(registry.sinkTypes().includes(type), `sink ${type}`);
  });

  void it('passes config errors of a connector through as ConfigError naming the field', () => {
    assert.throws(
      () => builtinRegistry().createSource({ type: 'generator', config: { template: { a: '{{bogus}}' } } }, ctx),
      (error: unknown) => error instanceof ConfigError && /config\.template\.a: unknown placeholder \{\{bogus\}\}/.test(error.message),
    );
  });
});
