// Lease-based leader election (coordination.k8s.io/v1, Lease `dataflow-operator.dataflow.io` in the
// operator's namespace), with client-go's rules: a lease held by someone else is taken over only
// after it went unrenewed for its full duration as observed on OUR clock (no trust in the other
// node's clock); every write is guarded by resourceVersion, so two candidates never both win; a
// leader that cannot renew within the renew deadline steps down; a clean shutdown releases the lease
// so the next leader starts at once.
import { LEADER_ELECTION_ID } from '@dataflow/api';
import type { Logger } from 'pino';
import type { KubeClient } from '../kube/client.js';
import { errorSummary } from '../kube/errors.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import type { Clock } from './clock.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseObject extends KubeObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: KubeClient;
  /** The operator's own namespace. */
  namespace: string;
  /** Lease name; default `dataflow-operator.dataflow.io`. */
  name?: string;
  /** Unique per operator process (pod name plus a random suffix). */
  identity: string;
  clock: Clock;
  log: Logger;
  /** How long a lease is valid after its last renewal; default 15 s. */
  leaseDurationMs?: number;
  /** A leader that has not renewed for this long steps down; default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew; default 2 s. */
  retryPeriodMs?: number;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export class LeaderElector {
  private readonly client: KubeClient;
  private readonly ref: ObjectRef;
  private readonly identity: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  /** The lease as last seen, and when (on our clock) it last changed. */
  private observed: { holder: string; renewTime: string; resourceVersion: string } | undefined;
  private observedAt = 0;
  private leading = false;

  constructor(options: LeaderElectionOptions) {
    this.client = options.client;
    this.ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: options.namespace, name: options.name ?? LEADER_ELECTION_ID };
    this.identity = options.identity;
    this.clock = options.clock;
    this.log = options.log;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new RangeError('leader election: renewDeadline must be shorter than leaseDuration');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries until this process holds the lease (true) or `signal` aborts (false). */
  async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info({ lease: `${this.ref.namespace}/${this.ref.name}`, identity: this.identity }, 'Waiting for the leader lease');
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.log.info({ lease: `${this.ref.namespace}/${this.ref.name}`, identity: this.identity }, 'Acquired the leader lease');
        return true;
      }
      await this.clock.sleep(this.retryPeriodMs, signal);
    }
    return false;
  }

  /**
   * Renews the lease until `signal` aborts ('stopped') or renewal has failed for longer than the
   * renew deadline ('lost' — the caller must stop working at once).
   */
  async hold(signal: AbortSignal): Promise<'stopped' | 'lost'> {
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await this.clock.sleep(this.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew > this.renewDeadlineMs) {
        this.leading = false;
        this.log.error({ lease: `${this.ref.namespace}/${this.ref.name}`, identity: this.identity }, 'Lost the leader lease');
        return 'lost';
      }
    }
    return 'stopped';
  }

  /** Gives the lease up (if this process holds it) so another instance can lead at once. */
  async release(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.get<LeaseObject>(this.ref);
      if (lease?.spec?.holderIdentity !== this.identity) return;
      const now = microTime(this.clock.now());
      const spec: LeaseSpec = { leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
      if (lease.spec.leaseTransitions !== undefined) spec.leaseTransitions = lease.spec.leaseTransitions;
      await this.client.replace<LeaseObject>({ ...lease, spec });
      this.log.info({ lease: `${this.ref.namespace}/${this.ref.name}` }, 'Released the leader lease');
    } catch (error) {
      this.log.warn({ lease: `${this.ref.namespace}/${this.ref.name}`, error: errorSummary(error) }, 'Failed to release the leader lease');
    }
  }

  private newSpec(current: LeaseSpec | undefined, now: number): LeaseSpec {
    const heldByUs = current?.holderIdentity === this.identity;
    const transitions = current?.leaseTransitions ?? 0;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: heldByUs && current.acquireTime !== undefined ? current.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: heldByUs || current === undefined ? transitions : transitions + 1,
    };
  }

  /** One attempt: true when this process holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    try {
      const lease = await this.client.get<LeaseObject>(this.ref);
      if (lease === undefined) {
        const metadata: LeaseObject['metadata'] = { name: this.ref.name };
        if (this.ref.namespace !== undefined) metadata.namespace = this.ref.namespace;
        await this.client.create<LeaseObject>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: this.newSpec(undefined, now) });
        return true;
      }
      const spec = lease.spec ?? {};
      const seen = { holder: spec.holderIdentity ?? '', renewTime: spec.renewTime ?? '', resourceVersion: lease.metadata.resourceVersion ?? '' };
      if (this.observed === undefined || this.observed.holder !== seen.holder || this.observed.renewTime !== seen.renewTime) {
        this.observed = seen;
        this.observedAt = now;
      }
      const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
      const heldByOther = seen.holder !== '' && seen.holder !== this.identity;
      if (heldByOther && this.observedAt + durationMs > now) return false;
      await this.client.replace<LeaseObject>({ ...lease, spec: this.newSpec(spec, now) });
      return true;
    } catch (error) {
      // Conflict/AlreadyExists: another candidate wrote first. Anything else: retried next period.
      this.log.debug({ lease: `${this.ref.namespace}/${this.ref.name}`, error: errorSummary(error) }, 'Leader lease attempt failed');
      return false;
    }
  }
}
