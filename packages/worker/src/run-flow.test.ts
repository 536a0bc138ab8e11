import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DataFlowSpec } from '@dataflow/api';
import { applyDefaults, validateSpec } from '@dataflow/api';
import { ConfigError } from './errors.js';
import { ConnectorRegistry } from './registry.js';
import { prepareFlow, runFlow, shutdownTimeoutOf } from './run-flow.js';
import { silentLogger } from './runtime/silent-logger.js';

const tmp = mkdtempSync(join(tmpdir(), 'dataflow-run-flow-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const flow = { namespace: 'default', name: 'local' };

function spec(raw: unknown): DataFlowSpec {
  const result = validateSpec(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return applyDefaults(result.spec, flow);
}

function lines(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

void describe('runFlow', () => {
  void it('runs a file flow with a filter, a router and an error sink to the end', async () => {
    const input = join(tmp, 'in.ndjson');
    writeFileSync(input, ['{"n":1,"kind":"a"}', '{"n":2,"kind":"b"}', '{"n":3,"kind":"skip"}', '{"n":"x","kind":"a"}', 'not json'].join('\n'));
    const out = (name: string): string => join(tmp, `${name}.ndjson`);
    const prepared = prepareFlow({
      flow,
      log: silentLogger,
      processMetrics: false,
      spec: spec({
        source: { type: 'file', config: { path: input } },
        transformations: [
          { type: 'filter', config: { condition: "$.kind != 'skip'" } },
          { type: 'cast', config: { spec: { n: 'int64' } } },
          { type: 'router', config: { routes: [{ name: 'bees', condition: "$.kind == 'b'", sink: { type: 'file', config: { path: out('bees') } } }] } },
        ],
        sink: { type: 'file', config: { path: out('main') } },
        errors: { type: 'file', config: { path: out('errors') } },
      }),
    });
    assert.equal(prepared.health.isReady(), false, 'nothing is open before run()');
    const summary = await prepared.run();
    assert.equal(summary.read, 5);
    assert.equal(summary.committed, 5);
    assert.equal(summary.filtered, 2, 'the skipped record and the non-JSON line');
    assert.deepEqual(summary.written, { main: 1, bees: 1, errors: 1 });
    assert.deepEqual(lines(out('main')), [{ n: 1, kind: 'a' }]);
    assert.deepEqual(lines(out('bees')), [{ n: 2, kind: 'b' }]);
    assert.equal((lines(out('errors'))[0] as { error: { stage: string } }).error.stage, 'transform:1:cast');

    const counts = prepared.counts();
    assert.deepEqual({ ...counts, lastProcessedTime: undefined }, { processed: 5, errors: 1, filtered: 2, deadLettered: 1, lastProcessedTime: undefined });
    const metrics = await prepared.metrics.metrics();
    assert.match(metrics, /^dataflow_messages_sent_total\{[^}]*route="bees"[^}]*\} 1$/m);
    assert.equal(prepared.health.isReady(), false, 'closed after the end');
    await assert.rejects(prepared.run(), /already run/);
  });

  void it('rejects with the record position when a record fails and there is no error sink', async () => {
    const input = join(tmp, 'bad.ndjson');
    writeFileSync(input, '{"n":"1"}\n{"n":"x"}\n');
    await assert.rejects(
      runFlow({
        flow,
        log: silentLogger,
        processMetrics: false,
        spec: spec({
          source: { type: 'file', config: { path: input } },
          transformations: [{ type: 'cast', config: { spec: { n: 'int64' } } }],
          sink: { type: 'file', config: { path: join(tmp, 'bad-out.ndjson') } },
        }),
      }),
      /stage transform:0:cast at position .*bad\.ndjson@2/,
    );
  });

  void it('fails with a ConfigError before opening anything when a connector type is not available', () => {
    // A registry without the built-ins stands for a worker build that lacks a connector.
    assert.throws(
      () =>
        prepareFlow({
          flow,
          log: silentLogger,
          registry: new ConnectorRegistry(),
          spec: spec({ source: { type: 'file', config: { path: 'x' } }, sink: { type: 'stdout' } }),
        }),
      (error: unknown) => error instanceof ConfigError && /unknown source type 'file'/.test(error.message),
    );
  });

  void it('drains within the termination grace period, keeping 5 s to exit', () => {
    const base = spec({ source: { type: 'file', config: { path: 'x' } }, sink: { type: 'stdout' } });
    assert.equal(shutdownTimeoutOf({ ...base, terminationGracePeriodSeconds: 60 }), 55_000);
    assert.equal(shutdownTimeoutOf({ ...base, terminationGracePeriodSeconds: 3 }), 1_000);
  });
});
