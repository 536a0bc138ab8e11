import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { EVENT_REASONS, EventRecorder } from './events.js';
import type { EventObject } from './events.js';
import { FakeKubeClient } from './testing/fake-client.js';

const subject = { namespace: 'shop', name: 'orders', uid: 'u1' };

function setup() {
  const client = new FakeKubeClient();
  const recorder = new EventRecorder({ client, log: pino({ level: 'silent' }), instance: 'op-0', now: () => new Date('2025-01-01T00:00:00.123Z') });
  const events = () => client.all().filter((o): o is EventObject => o.kind === 'Event');
  return { client, recorder, events };
}

void describe('EventRecorder', () => {
  void it('records a core/v1 Event on the DataFlow with the upstream recorder name', async () => {
    const { recorder, events } = setup();
    await recorder.normal(subject, EVENT_REASONS.deploymentCreated, 'Created Deployment df-orders');
    const [event] = events();
    assert.ok(event);
    assert.equal(event.metadata.namespace, 'shop');
    assert.match(event.metadata.name, /^orders\.[0-9a-f]+$/);
    assert.deepEqual(event.involvedObject, { apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', namespace: 'shop', name: 'orders', uid: 'u1' });
    assert.equal(event.reason, 'DeploymentCreated');
    assert.equal(event.type, 'Normal');
    assert.equal(event.source.component, 'dataflow-controller');
    assert.equal(event.firstTimestamp, '2025-01-01T00:00:00Z');
  });

  void it('records a repeated Warning once, again after the problem was resolved', async () => {
    const { recorder, events } = setup();
    await recorder.warning(subject, EVENT_REASONS.invalidSpec, 'bad table');
    await recorder.warning(subject, EVENT_REASONS.invalidSpec, 'bad table');
    assert.equal(events().length, 1);
    await recorder.warning(subject, EVENT_REASONS.invalidSpec, 'bad batchSize');
    assert.equal(events().length, 2, 'a different message is news');
    recorder.resolved(subject, EVENT_REASONS.invalidSpec);
    await recorder.warning(subject, EVENT_REASONS.invalidSpec, 'bad batchSize');
    assert.equal(events().length, 3);
    await recorder.warning({ ...subject, uid: 'u2' }, EVENT_REASONS.invalidSpec, 'bad batchSize');
    assert.equal(events().length, 4, 'per flow');
  });

  void it('truncates long messages and never fails the caller when the API refuses', async () => {
    const { client, recorder, events } = setup();
    await recorder.normal(subject, EVENT_REASONS.configMapCreated, 'x'.repeat(5000));
    assert.equal(events()[0]?.message.length, 1024);
    client.failNext = { verb: 'create', error: new Error('forbidden') };
    await recorder.normal(subject, EVENT_REASONS.configMapUpdated, 'lost');
    assert.equal(events().length, 1);
  });
});
