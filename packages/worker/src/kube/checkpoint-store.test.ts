import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CHECKPOINT_KEY, ConfigMapCheckpointStore, RESET_GENERATION_KEY } from './checkpoint-store.js';
import { parseDurationMs } from './duration.js';
import type { InClusterApi } from './in-cluster.js';
import { FakeApiServer, NO_WAIT, apiFor, eventually, memoryLog } from './test-support.js';

const CM = '/api/v1/namespaces/team-a/configmaps/df-orders-checkpoint';
const flow = { namespace: 'team-a', name: 'orders' };

void describe('ConfigMapCheckpointStore', () => {
  let server: FakeApiServer;
  let api: InClusterApi;
  let dispose: () => Promise<void>;
  before(async () => {
    server = await FakeApiServer.start();
    ({ api, dispose } = await apiFor(server));
  });
  after(async () => {
    await dispose();
    await server.close();
  });
  beforeEach(() => {
    // What the controller creates: the ConfigMap with no checkpoint yet.
    server.objects.set(CM, { metadata: { name: 'df-orders-checkpoint' } });
    server.history.clear();
  });

  const clock = { now: 0 };
  const store = (log = memoryLog()) => new ConfigMapCheckpointStore({ api, flow, saveIntervalMs: 30_000, log, now: () => clock.now, retry: NO_WAIT });
  /** The checkpoints the ConfigMap held, in order. */
  const written = () => (server.history.get(CM) ?? []).map((cm) => (cm as { data?: Record<string, string> }).data?.[CHECKPOINT_KEY]);
  const stored = () => (server.objects.get(CM) as { data?: Record<string, string> } | undefined)?.data?.[CHECKPOINT_KEY];

  void it('loads nothing when the ConfigMap or its key is missing, and the stored object otherwise', async () => {
    assert.equal(await store().load(), undefined, 'empty ConfigMap');
    server.objects.delete(CM);
    assert.equal(await store().load(), undefined, 'no ConfigMap (404)');
    server.objects.set(CM, { data: { [CHECKPOINT_KEY]: '{"cursor":{"id":42}}' } });
    assert.deepEqual(await store().load(), { cursor: { id: 42 } });
    server.objects.set(CM, { data: { [CHECKPOINT_KEY]: '{oops' } });
    await assert.rejects(store().load(), /ConfigMap team-a\/df-orders-checkpoint key checkpoint.json is not valid JSON/);
  });

  void it('writes at most once per save interval, always the newest, and flushes on close', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    clock.now = 1_000_000;
    const checkpoints = store();
    await checkpoints.save({ id: 1 });
    t.mock.timers.tick(0);
    await server.waitFor(() => stored() === '{"id":1}');

    clock.now += 1_000;
    await checkpoints.save({ id: 2 });
    await checkpoints.save({ id: 3 });
    assert.deepEqual(await checkpoints.load(), { id: 3 }, 'load sees the newest checkpoint before it is written');
    clock.now += 29_000;
    t.mock.timers.tick(29_000);
    await server.waitFor(() => stored() === '{"id":3}');

    clock.now += 1_000;
    await checkpoints.save({ id: 4 });
    await checkpoints.close(); // shutdown before the interval is over: written at once
    assert.equal(stored(), '{"id":4}');
    assert.deepEqual(written(), ['{"id":1}', '{"id":3}', '{"id":4}'], '{"id":2} was superseded within the interval');
    await assert.rejects(checkpoints.save({ id: 5 }), /closed/);
  });

  void it('keeps a failed write and retries it at the next interval', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    clock.now = 5_000_000;
    const log = memoryLog();
    const checkpoints = store(log);
    server.fail('PATCH', CM, 503, 4); // more than one call's retries
    await checkpoints.save({ id: 7 });
    t.mock.timers.tick(0);
    await eventually(() => log.lines.some((line) => line.level === 'warn'), 'the warning');
    assert.equal(stored(), undefined);
    clock.now += 30_000;
    t.mock.timers.tick(30_000);
    await server.waitFor(() => stored() === '{"id":7}');
    await checkpoints.close();
  });

  void it('explains a missing ConfigMap instead of creating it', async () => {
    server.objects.delete(CM);
    const checkpoints = store();
    await checkpoints.save({ id: 1 });
    await assert.rejects(checkpoints.close(), /ConfigMap team-a\/df-orders-checkpoint does not exist; the operator creates it/);
    assert.equal(server.objects.has(CM), false);
  });

  void it('resetOnce removes the stored checkpoint once per generation and keeps other keys', async () => {
    server.objects.set(CM, { data: { [CHECKPOINT_KEY]: '{"id":9}', other: 'x' } });
    const checkpoints = store();
    assert.equal(await checkpoints.resetOnce(4), true);
    assert.deepEqual((server.objects.get(CM) as { data: unknown }).data, { other: 'x', [RESET_GENERATION_KEY]: '4' });
    assert.equal(await checkpoints.load(), undefined);
    // A restarted worker of the same generation keeps the progress made since the reset.
    await checkpoints.save({ id: 3 });
    await checkpoints.flush();
    const restarted = store();
    assert.equal(await restarted.resetOnce(4), false);
    assert.deepEqual(await restarted.load(), { id: 3 });
    // A new generation that still asks for a reset gets one.
    assert.equal(await restarted.resetOnce(5), true);
    assert.equal(await restarted.load(), undefined);
  });

  void it('resetOnce explains a missing ConfigMap', async () => {
    server.objects.delete(CM);
    await assert.rejects(store().resetOnce(1), /cannot reset the checkpoint: ConfigMap team-a\/df-orders-checkpoint does not exist/);
  });
});

void describe('parseDurationMs', () => {
  void it('parses Go-style durations and names the field of a bad one', () => {
    assert.equal(parseDurationMs('30s', 'f'), 30_000);
    assert.equal(parseDurationMs('1m', 'f'), 60_000);
    assert.equal(parseDurationMs('500ms', 'f'), 500);
    assert.equal(parseDurationMs('1m30s', 'f'), 90_000);
    assert.equal(parseDurationMs('1.5h', 'f'), 5_400_000);
    assert.throws(() => parseDurationMs('30 seconds', 'spec.checkpointSaveInterval'), /spec.checkpointSaveInterval: "30 seconds" is not a duration/);
  });
});
