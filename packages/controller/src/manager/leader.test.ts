import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeClock } from '../testing/fake-clock.js';
import { FakeKubeClient } from '../testing/fake-client.js';
import { LeaderElector } from './leader.js';
import type { LeaseObject } from './leader.js';

const log = pino({ level: 'silent' });
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'operators', name: 'dataflow-operator.dataflow.io' };

function elector(client: FakeKubeClient, clock: FakeClock, identity: string): LeaderElector {
  return new LeaderElector({ client, clock, log, identity, namespace: 'operators', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
}

void describe('LeaderElector', () => {
  void it('creates the Lease when there is none and holds it', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    const a = elector(client, clock, 'a');
    assert.equal(await a.acquire(new AbortController().signal), true);
    const lease = client.peek<LeaseObject>(LEASE);
    assert.equal(lease?.spec?.holderIdentity, 'a');
    assert.equal(lease?.spec?.leaseDurationSeconds, 15);
    assert.match(lease?.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime has six fractional digits');
  });

  void it('waits while another holder renews, and takes over once it stopped renewing for the lease duration', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    const a = elector(client, clock, 'a');
    const b = elector(client, clock, 'b');
    assert.equal(await a.acquire(new AbortController().signal), true);
    assert.equal(await b.tryAcquireOrRenew(), false);
    await clock.advance(10_000);
    assert.equal(await a.tryAcquireOrRenew(), true, 'a renews');
    await clock.advance(10_000);
    assert.equal(await b.tryAcquireOrRenew(), false, 'renewed 10 s ago: still valid');
    await clock.advance(16_000);
    assert.equal(await b.tryAcquireOrRenew(), true, 'no renewal seen for 16 s: expired');
    const lease = client.peek<LeaseObject>(LEASE);
    assert.equal(lease?.spec?.holderIdentity, 'b');
    assert.equal(lease?.spec?.leaseTransitions, 1);
    assert.equal(await a.tryAcquireOrRenew(), false, 'the old leader cannot renew over the new one');
  });

  void it('steps down when renewing fails past the renew deadline', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    const a = elector(client, clock, 'a');
    await a.acquire(new AbortController().signal);
    // Someone else takes the lease behind a's back (e.g. a's clock stalled).
    client.mutate<LeaseObject>(LEASE, (lease) => {
      lease.spec = { ...lease.spec, holderIdentity: 'intruder', renewTime: '2030-01-01T00:00:00.000000Z' };
    });
    const outcome = a.hold(new AbortController().signal);
    await clock.advance(13_000);
    assert.equal(await outcome, 'lost');
    assert.equal(a.isLeader, false);
  });

  void it('releases the lease on shutdown so a standby leads at once', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    const a = elector(client, clock, 'a');
    const b = elector(client, clock, 'b');
    await a.acquire(new AbortController().signal);
    assert.equal(await b.tryAcquireOrRenew(), false);
    await a.release();
    assert.equal(client.peek<LeaseObject>(LEASE)?.spec?.holderIdentity, undefined);
    assert.equal(await b.tryAcquireOrRenew(), true);
  });

  void it('gives up waiting when stopped', async () => {
    const client = new FakeKubeClient();
    const clock = new FakeClock();
    await elector(client, clock, 'a').acquire(new AbortController().signal);
    const stop = new AbortController();
    const waiting = elector(client, clock, 'b').acquire(stop.signal);
    await clock.advance(4_000);
    stop.abort();
    assert.equal(await waiting, false);
  });
});
