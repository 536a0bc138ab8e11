// The validating admission webhook against the real kube-apiserver: the operator runs as a process
// with --webhook-cert-dir (a certificate for 127.0.0.1 signed by a throw-away CA, made with the
// openssl CLI), a ValidatingWebhookConfiguration points the API server at
// https://127.0.0.1:<port>/validate with that CA, and `kubectl apply` then
//   * refuses a DataFlow the CRD schema accepts but validateSpec does not, naming every field path;
//   * accepts a valid one, and refuses an edit that breaks it.
// The configuration has a unique name and a namespaceSelector for this test's namespace only, and is
// deleted first in cleanup (failurePolicy Fail: a leftover one pointing at a dead port would block
// DataFlow writes in every namespace it selects).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { adminKubeconfigPath, createTestNamespace, deleteNamespace, requireCluster } from '../support/cluster.js';
import { DataFlows, GROUP, PLURAL, VERSION } from '../support/dataflows.js';
import { freePort } from '../support/free-port.js';
import { apiStatus, isNotFound } from '../support/kube.js';
import { kubectl } from '../support/kubectl.js';
import { applyDataFlowCrd, startOperator } from '../support/operator.js';
import type { OperatorProcess } from '../support/operator.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

/** A CA and a serving certificate for IP 127.0.0.1 signed by it; returns the CA's PEM. */
async function makeCertificates(dir: string): Promise<string> {
  const file = (name: string): string => join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=dataflow-e2e-webhook-ca', '-keyout', file('ca.key'), '-out', file('ca.crt')]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('tls.key'), '-out', file('tls.csr')]);
  await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', file('tls.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('san.ext'), '-out', file('tls.crt')]);
  return readFile(file('ca.crt'), 'utf8');
}

function manifest(namespace: string, name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: `${GROUP}/${VERSION}`, kind: 'DataFlow', metadata: { name, namespace }, spec });
}

/** Accepted by the CRD's schema and CEL rules, refused by validateSpec: an unknown placeholder and a broken condition. */
const INVALID_SPEC = {
  source: { type: 'generator', config: { ratePerSecond: 1, template: { id: '{{bogus}}' } } },
  transformations: [{ type: 'filter', config: { condition: '$.amount >>> 3' } }],
  sink: { type: 'stdout', config: {} },
};
const VALID_SPEC = {
  source: { type: 'generator', config: { ratePerSecond: 1, template: { id: '{{seq}}' } } },
  transformations: [{ type: 'filter', config: { condition: '$.id > 3' } }],
  sink: { type: 'stdout', config: {} },
};

void test('the validating webhook refuses an invalid DataFlow at kubectl apply and accepts a valid one', { timeout: 180_000 }, async (t) => {
  const cluster = await requireCluster(t);
  if (cluster === undefined) return;
  const kubeconfig = adminKubeconfigPath();
  const admission = cluster.kc.makeApiClient(AdmissionregistrationV1Api);
  const webhookConfig = `h2-e2e-dataflow-webhook-${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'dataflow-e2e-webhook-'));
  const state: { namespace?: string; operator?: OperatorProcess } = {};
  t.after(async () => {
    try {
      // The configuration goes first: without its server it would refuse every DataFlow write it selects.
      await admission.deleteValidatingWebhookConfiguration({ name: webhookConfig }).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
      await state.operator?.stop();
      if (state.namespace !== undefined) await deleteNamespace(cluster, state.namespace, 60_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const caPem = await makeCertificates(dir);
  await applyDataFlowCrd(cluster.kc, kubeconfig);
  const namespace = await createTestNamespace(cluster, 'e2e-webhook');
  state.namespace = namespace;
  const invalidFile = join(dir, 'invalid.yaml');
  await writeFile(invalidFile, manifest(namespace, 'broken', INVALID_SPEC));
  // Without the webhook the API server's own checks (schema, CEL) accept it: the refusal below is the webhook's.
  const schemaOnly = await kubectl(kubeconfig, ['apply', '--dry-run=server', '-f', invalidFile]);
  assert.equal(schemaOnly.code, 0, schemaOnly.stderr);

  const port = await freePort();
  state.operator = await startOperator({ kubeconfigPath: kubeconfig, namespaces: [namespace], extraArgs: ['--webhook-cert-dir', dir, '--webhook-port', String(port)] });
  assert.match(await state.operator.log(), /Serving the DataFlow validating webhook/);

  await admission.createValidatingWebhookConfiguration({
    body: {
      metadata: { name: webhookConfig, labels: { 'dataflow.io/e2e': 'true' } },
      webhooks: [
        {
          name: 'validate.dataflow.dataflow.io',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 10,
          rules: [{ apiGroups: [GROUP], apiVersions: [VERSION], resources: [PLURAL], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }],
          clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(caPem).toString('base64') },
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        },
      ],
    },
  });

  // The API server picks up new webhook configurations asynchronously: wait until it asks ours.
  const refused = await waitFor(
    'the API server to call the webhook',
    async () => {
      const result = await kubectl(kubeconfig, ['apply', '-f', invalidFile]);
      if (result.code === 0) {
        // Applied before the configuration took effect: remove it and try again.
        await kubectl(kubeconfig, ['delete', '--ignore-not-found', '-n', namespace, 'dataflow/broken']);
        return undefined;
      }
      return result;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  // kubectl prints a 422's causes one per line, like the API server's own validation errors.
  assert.match(refused.stderr, /The DataFlow "broken" is invalid/);
  assert.match(refused.stderr, /spec\.source\.config\.template\.id: unknown placeholder \{\{bogus\}\}/);
  assert.match(refused.stderr, /spec\.transformations\[0\]\.config\.condition: invalid condition/);
  const flows = new DataFlows(cluster.kc, namespace);
  await assert.rejects(flows.get('broken'), (error: unknown) => isNotFound(error), 'the refused DataFlow was not stored');
  // Through the API the message names the webhook and carries every issue.
  await assert.rejects(flows.create('broken', INVALID_SPEC), (error: unknown) => {
    assert.equal(apiStatus(error), 422);
    const text = String((error as { body?: unknown }).body);
    assert.match(text, /admission webhook \\?"validate\.dataflow\.dataflow\.io\\?" denied the request: the DataFlow spec is invalid: /);
    assert.match(text, /spec\.source\.config\.template\.id: unknown placeholder/);
    assert.match(text, /spec\.transformations\[0\]\.config\.condition: invalid condition/);
    return true;
  });

  const validFile = join(dir, 'valid.yaml');
  await writeFile(validFile, manifest(namespace, 'fine', VALID_SPEC));
  const accepted = await kubectl(kubeconfig, ['apply', '-f', validFile]);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal((await flows.get('fine')).spec['sink'] !== undefined, true);

  // An edit that breaks the stored flow is refused too (UPDATE), and the stored spec stays.
  await writeFile(validFile, manifest(namespace, 'fine', { ...VALID_SPEC, transformations: [{ type: 'filter', config: { condition: '$.id >' } }] }));
  const edit = await kubectl(kubeconfig, ['apply', '-f', validFile]);
  assert.notEqual(edit.code, 0, 'the breaking edit was accepted');
  assert.match(edit.stderr, /spec\.transformations\[0\]\.config\.condition/);
  assert.deepEqual((await flows.get('fine')).spec['transformations'], VALID_SPEC.transformations);

  // Metadata edits of a stored flow pass.
  const labelled = await kubectl(kubeconfig, ['label', '-n', namespace, 'dataflow/fine', 'team=e2e']);
  assert.equal(labelled.code, 0, labelled.stderr);
});
