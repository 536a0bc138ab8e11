// Black-box test of the pod entrypoint in Kubernetes mode: dist/main.js runs with the pod's env and
// service-account files against a fake API server over HTTPS (a throwaway self-signed certificate
// made with openssl), and the test checks what the fake ends up holding.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DataFlowStatus } from '@dataflow/api';
import { FakeApiServer } from './test-support.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const FLOW = '/apis/dataflow.dataflow.io/v1/namespaces/team-a/dataflows/orders';
const CM = '/api/v1/namespaces/team-a/configmaps/df-orders-checkpoint';
const tmp = mkdtempSync(join(tmpdir(), 'df-worker-k8s-'));
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

function selfSignedCertificate(): { key: string; cert: string } {
  const key = join(tmp, 'key.pem');
  const cert = join(tmp, 'cert.pem');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

function runWorker(env: Record<string, string>, config: string): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [main, '--config', config, '--port', '0'], { cwd: tmp, env: { ...process.env, ...env } });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

void describe('dataflow-worker in a cluster', { skip: hasOpenssl ? false : 'openssl is needed to make a test certificate' }, () => {
  let server: FakeApiServer;
  let env: Record<string, string>;
  before(async () => {
    const tls = selfSignedCertificate();
    server = await FakeApiServer.start(tls);
    writeFileSync(join(tmp, 'token'), 'pod-token');
    writeFileSync(join(tmp, 'ca.crt'), tls.cert);
    writeFileSync(join(tmp, 'namespace'), 'team-a');
    env = {
      POD_NAME: 'df-orders-7d9f-abcde',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(server.port),
      DATAFLOW_SA_TOKEN_FILE: join(tmp, 'token'),
      DATAFLOW_SA_CA_FILE: join(tmp, 'ca.crt'),
      DATAFLOW_SA_NAMESPACE_FILE: join(tmp, 'namespace'),
    };
  });
  after(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  void it('reports its counts into its own status entry, continues them after a restart, and applies checkpointReset', async () => {
    server.objects.set(FLOW, { metadata: { name: 'orders' }, status: { phase: 'Running' } });
    server.objects.set(CM, { metadata: { name: 'df-orders-checkpoint' }, data: { 'checkpoint.json': '{"old":true}' } });
    const input = join(tmp, 'in.ndjson');
    writeFileSync(input, '{"n":1}\n{"n":2}\n{"n":3}\n');
    const config = join(tmp, 'flow.json');
    writeFileSync(
      config,
      JSON.stringify({
        version: 1,
        flow: { namespace: 'team-a', name: 'orders', uid: '', generation: 1 },
        spec: { source: { type: 'file', config: { path: input } }, sink: { type: 'file', config: { path: join(tmp, 'out.ndjson') } }, checkpointReset: true },
      }),
    );

    const first = await runWorker(env, config);
    assert.equal(first.code, 0, first.stdout);
    const entry = () => (server.objects.get(FLOW) as unknown as { status: DataFlowStatus }).status.workers?.['df-orders-7d9f-abcde'];
    assert.equal(entry()?.processed, 3);
    assert.ok(entry()?.heartbeat !== undefined && entry()?.startedAt !== undefined);
    assert.equal(server.lastToken, 'pod-token');
    assert.deepEqual((server.objects.get(CM) as { data: unknown }).data, { 'reset-generation': '1' }, 'checkpointReset cleared the stored checkpoint once for generation 1');

    // The container restarts in the same pod: the count continues from the pod's entry.
    const second = await runWorker(env, config);
    assert.equal(second.code, 0, second.stdout);
    assert.equal(entry()?.processed, 6);
    assert.equal((server.objects.get(FLOW) as unknown as { status: DataFlowStatus }).status.phase, 'Running');
  });

  void it('exits 1 with a clear log line when its flow cannot be read', async () => {
    server.objects.delete(FLOW);
    const config = join(tmp, 'flow.json');
    const run = await runWorker(env, config);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /DataFlow team-a\/orders does not exist/);
  });
});
