import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionReviewError, denialMessage, reviewDataFlow } from './admission.js';

const NS = 'shop';

function validSpec(): Record<string, unknown> {
  return { source: { type: 'generator', config: { template: { id: '{{seq}}' } } }, sink: { type: 'stdout', config: {} } };
}

/** Two mistakes: a PostgreSQL sink without a table, and 3 replicas for a polling source. */
function invalidSpec(): Record<string, unknown> {
  return {
    source: { type: 'postgresql', config: { connectionString: 'postgres://u@db/app', table: 'events' } },
    sink: { type: 'postgresql', config: { connectionString: 'postgres://u@db/copy' } },
    replicas: 3,
  };
}

function flow(spec: unknown, extraMetadata: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata: { name: 'orders', namespace: NS, ...extraMetadata }, spec };
}

function review(request: Record<string, unknown>): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'uid-1', kind: { group: 'dataflow.dataflow.io', version: 'v1', kind: 'DataFlow' }, namespace: NS, name: 'orders', ...request },
  };
}

void describe('reviewDataFlow', () => {
  void it('allows a valid DataFlow and echoes the request uid', () => {
    const reply = reviewDataFlow(review({ operation: 'CREATE', object: flow(validSpec()) }));
    assert.deepEqual(reply, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-1', allowed: true } });
  });

  void it('denies an invalid DataFlow with every field path in the message and in the causes', () => {
    const { response } = reviewDataFlow(review({ operation: 'CREATE', object: flow(invalidSpec()) }));
    assert.equal(response.uid, 'uid-1');
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 422);
    assert.equal(response.status.reason, 'Invalid');
    assert.match(response.status.message, /^the DataFlow spec is invalid: /);
    assert.match(response.status.message, /spec\.sink\.config\.table: set either table or tableSecretRef/);
    assert.match(response.status.message, /spec\.replicas: must be 0 or 1 for a postgresql source/);
    assert.deepEqual(
      response.status.details?.causes.map((c) => c.field),
      ['spec.sink.config.table', 'spec.replicas'],
    );
    assert.equal(response.status.details?.name, 'orders');
    assert.equal(response.status.details?.kind, 'DataFlow');
  });

  void it("checks SecretRefs against the request's namespace", () => {
    const spec = {
      source: { type: 'generator', config: { template: { id: '{{seq}}' } } },
      sink: { type: 'postgresql', config: { connectionStringSecretRef: { name: 'db', key: 'url', namespace: 'elsewhere' }, table: 't' } },
    };
    const { response } = reviewDataFlow(review({ operation: 'CREATE', object: flow(spec) }));
    assert.equal(response.allowed, false);
    assert.deepEqual(response.status?.details?.causes.map((c) => c.field), ['spec.sink.config.connectionStringSecretRef.namespace']);
    assert.match(response.status.message, /"shop"/);
  });

  void it('denies an update that makes the spec invalid', () => {
    const { response } = reviewDataFlow(review({ operation: 'UPDATE', object: flow(invalidSpec()), oldObject: flow(validSpec()) }));
    assert.equal(response.allowed, false);
  });

  void it('allows an update that leaves an (already stored) spec unchanged, e.g. a label edit', () => {
    const { response } = reviewDataFlow(
      review({ operation: 'UPDATE', object: flow(invalidSpec(), { labels: { team: 'a' } }), oldObject: flow(invalidSpec()) }),
    );
    assert.equal(response.allowed, true);
  });

  void it('allows updates of a flow being deleted (finalizers must come off)', () => {
    const { response } = reviewDataFlow(
      review({ operation: 'UPDATE', object: flow({ ...invalidSpec(), replicas: 4 }, { deletionTimestamp: '2026-01-01T00:00:00Z' }), oldObject: flow(invalidSpec()) }),
    );
    assert.equal(response.allowed, true);
  });

  void it('allows operations and kinds it does not judge', () => {
    assert.equal(reviewDataFlow(review({ operation: 'DELETE', oldObject: flow(invalidSpec()) })).response.allowed, true);
    assert.equal(reviewDataFlow(review({ operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'ConfigMap' }, object: {} })).response.allowed, true);
  });

  void it('denies a DataFlow without a spec', () => {
    const { response } = reviewDataFlow(review({ operation: 'CREATE', object: { apiVersion: 'dataflow.dataflow.io/v1', kind: 'DataFlow', metadata: { name: 'x' } } }));
    assert.equal(response.allowed, false);
    assert.deepEqual(response.status?.details?.causes.map((c) => c.field), ['spec']);
  });

  void it('rejects a body that is not an AdmissionReview v1 with a uid', () => {
    assert.throws(() => reviewDataFlow([]), AdmissionReviewError);
    assert.throws(() => reviewDataFlow({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'u' } }), /admission\.k8s\.io\/v1/);
    assert.throws(() => reviewDataFlow({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: {} }), /request\.uid/);
  });
});

void describe('denialMessage', () => {
  void it('lists the first 20 issues and counts the rest', () => {
    const issues = Array.from({ length: 23 }, (_, i) => ({ path: `spec.transformations[${i}].config`, message: 'is wrong' }));
    const message = denialMessage(issues);
    assert.match(message, /spec\.transformations\[19\]\.config: is wrong; and 3 more$/);
    assert.doesNotMatch(message, /transformations\[20\]/);
  });
});
