import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCallback, KubernetesObject, ObjectCallback } from '@kubernetes/client-node';
import { pino } from 'pino';
import { FakeClock, settle } from '../testing/fake-clock.js';
import { ResilientInformer } from './informer.js';
import type { InformerEventType, ListWatchLike } from './informer.js';

/** Stands in for client-node's ListWatch: each start() runs the next scripted outcome. */
class ScriptedListWatch implements ListWatchLike {
  starts = 0;
  stopped = false;
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly callbacks: Record<string, Array<ObjectCallback<KubernetesObject> | ErrorCallback>> = { add: [], update: [], delete: [], error: [], connect: [] };
  private readonly script: Array<'ok' | Error>;

  constructor(script: Array<'ok' | Error>) {
    this.script = script;
  }

  on(verb: string, cb: ObjectCallback<KubernetesObject> | ErrorCallback): void {
    this.callbacks[verb]?.push(cb);
  }

  off(): void {}

  async start(): Promise<void> {
    this.starts++;
    this.stopped = false;
    const outcome = this.script.shift() ?? 'ok';
    if (outcome !== 'ok') {
      for (const cb of this.callbacks['error'] ?? []) (cb as ErrorCallback)(outcome);
      return Promise.resolve();
    }
    this.emit('add', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${this.starts}`, namespace: 'ns' } });
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Like ListWatch: aborting the watch reports as an error.
    for (const cb of this.callbacks['error'] ?? []) (cb as ErrorCallback)(new Error('aborted'));
    return Promise.resolve();
  }

  emit(type: InformerEventType, obj: KubernetesObject): void {
    this.objects.set(obj.metadata?.name ?? '', obj);
    for (const cb of this.callbacks[type] ?? []) (cb as ObjectCallback<KubernetesObject>)(obj);
  }

  get(name: string): KubernetesObject | undefined {
    return this.objects.get(name);
  }

  list(): ReadonlyArray<KubernetesObject> {
    return [...this.objects.values()];
  }
}

const log = pino({ level: 'silent' });

void describe('ResilientInformer', () => {
  void it('restarts a failed list+watch with doubling backoff and reports synced after the first success', async () => {
    const clock = new FakeClock();
    const source = new ScriptedListWatch([Object.assign(new Error('Forbidden'), { statusCode: 403 }), new Error('ECONNREFUSED'), 'ok']);
    const informer = new ResilientInformer({ name: 'ConfigMap', informer: source, clock, log, initialBackoffMs: 1000, maxBackoffMs: 30_000 });
    const seen: string[] = [];
    informer.on((type, obj) => seen.push(`${type}:${obj.metadata.name}`));
    let synced = false;
    const started = informer.start().then(() => (synced = true));
    await settle();
    assert.equal(source.starts, 1);
    assert.equal(synced, false);
    await clock.advance(999);
    assert.equal(source.starts, 1, 'first retry after 1 s');
    await clock.advance(1);
    assert.equal(source.starts, 2);
    await clock.advance(1999);
    assert.equal(source.starts, 2, 'second retry after 2 s');
    await clock.advance(1);
    assert.equal(source.starts, 3);
    await started;
    assert.equal(synced, true);
    assert.equal(informer.synced, true);
    assert.deepEqual(seen, ['add:cm-3']);
    assert.equal(informer.get('cm-3')?.kind, 'ConfigMap');
    await informer.stop();
  });

  void it('restarts after a later watch failure, backing off from the start again', async () => {
    const clock = new FakeClock();
    const source = new ScriptedListWatch(['ok', 'ok']);
    const informer = new ResilientInformer({ name: 'ConfigMap', informer: source, clock, log, initialBackoffMs: 1000 });
    await informer.start();
    assert.equal(source.starts, 1);
    // The watch dies later with an error ListWatch does not handle itself.
    (source as unknown as { callbacks: Record<string, ErrorCallback[]> }).callbacks['error']?.forEach((cb) => cb(new Error('stream reset')));
    await clock.advance(1000);
    assert.equal(source.starts, 2);
    await informer.stop();
  });

  void it('does not restart after stop()', async () => {
    const clock = new FakeClock();
    const source = new ScriptedListWatch(['ok']);
    const informer = new ResilientInformer({ name: 'ConfigMap', informer: source, clock, log });
    await informer.start();
    await informer.stop();
    await clock.advance(60_000);
    assert.equal(source.starts, 1);
    assert.equal(clock.pending, 0);
  });

  void it('keeps added and updated objects without field sets or kubectl last-applied copies, in the cache too', async () => {
    const clock = new FakeClock();
    const source = new ScriptedListWatch(['ok']);
    const informer = new ResilientInformer({ name: 'Deployment', informer: source, clock, log });
    const seen: Array<KubernetesObject | undefined> = [];
    informer.on((_type, obj) => seen.push(structuredClone(obj) as unknown as KubernetesObject));
    await informer.start();
    const fieldsV1 = { 'f:spec': { 'f:replicas': {} } };
    const wire = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'df-a',
        namespace: 'ns',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}', keep: 'me' },
        managedFields: [
          { manager: 'dataflow-controller', operation: 'Apply', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1 },
          { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time: '2026-01-01T00:00:05Z', fieldsType: 'FieldsV1', fieldsV1 },
        ],
      },
    };
    source.emit('update', wire as unknown as KubernetesObject);
    const expected = {
      name: 'df-a',
      namespace: 'ns',
      annotations: { keep: 'me' },
      managedFields: [
        { manager: 'dataflow-controller', operation: 'Apply', time: '2026-01-01T00:00:00Z' },
        { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time: '2026-01-01T00:00:05Z' },
      ],
    };
    assert.deepEqual(seen.at(-1)?.metadata, expected);
    assert.deepEqual(informer.get('df-a')?.metadata, expected);
    await informer.stop();
  });
});
