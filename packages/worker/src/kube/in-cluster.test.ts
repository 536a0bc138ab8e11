import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InClusterApi, KubeApiError, apiServerUrl, runsInCluster, serviceAccountFiles } from './in-cluster.js';
import { FakeApiServer, apiFor } from './test-support.js';

const FLOW = '/apis/dataflow.dataflow.io/v1/namespaces/team-a/dataflows/orders';

void describe('service-account environment', () => {
  void it('uses the mounted files unless env overrides them', () => {
    assert.deepEqual(serviceAccountFiles({}), {
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      namespaceFile: '/var/run/secrets/kubernetes.io/serviceaccount/namespace',
    });
    const env = { DATAFLOW_SA_TOKEN_FILE: '/t', DATAFLOW_SA_CA_FILE: '/c', DATAFLOW_SA_NAMESPACE_FILE: '/n' };
    assert.deepEqual(serviceAccountFiles(env), { tokenFile: '/t', caFile: '/c', namespaceFile: '/n' });
  });

  void it('detects a pod by POD_NAME and a token file', () => {
    const exists = (path: string) => path === '/t';
    assert.equal(runsInCluster({ POD_NAME: 'p', DATAFLOW_SA_TOKEN_FILE: '/t' }, exists), true);
    assert.equal(runsInCluster({ DATAFLOW_SA_TOKEN_FILE: '/t' }, exists), false);
    assert.equal(runsInCluster({ POD_NAME: 'p', DATAFLOW_SA_TOKEN_FILE: '/missing' }, exists), false);
  });

  void it('builds the API URL from KUBERNETES_SERVICE_*', () => {
    assert.equal(apiServerUrl({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' }), 'https://10.0.0.1:6443');
    assert.equal(apiServerUrl({ KUBERNETES_SERVICE_HOST: 'fd00::1' }), 'https://[fd00::1]:443');
    assert.throws(() => apiServerUrl({}), /KUBERNETES_SERVICE_HOST/);
    assert.throws(() => apiServerUrl({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: 'x' }), /KUBERNETES_SERVICE_PORT/);
  });

  void it('reads namespace, CA and token from the files and names a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-sa-'));
    try {
      const env = {
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        DATAFLOW_SA_TOKEN_FILE: join(dir, 'token'),
        DATAFLOW_SA_CA_FILE: join(dir, 'ca.crt'),
        DATAFLOW_SA_NAMESPACE_FILE: join(dir, 'namespace'),
      };
      await writeFile(join(dir, 'namespace'), 'team-b\n');
      await writeFile(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
      await assert.rejects(InClusterApi.fromEnvironment(env), (error: Error) => error.message.includes(join(dir, 'token')));
      await writeFile(join(dir, 'token'), 'abc');
      const api = await InClusterApi.fromEnvironment(env);
      assert.equal(api.namespace, 'team-b');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void it('refuses plain http unless allowed (tests only)', () => {
    assert.throws(() => new InClusterApi({ baseUrl: 'http://127.0.0.1:1', tokenFile: '/t', namespace: 'n' }), /https/);
  });
});

void describe('InClusterApi.request', () => {
  let server: FakeApiServer;
  before(async () => {
    server = await FakeApiServer.start();
    server.objects.set(FLOW, { metadata: { name: 'orders' }, spec: {} });
  });
  after(() => server.close());

  void it('sends the current token and picks up a rotated token file', async () => {
    const { api, tokenFile, dispose } = await apiFor(server);
    try {
      await api.request('GET', FLOW);
      assert.equal(server.lastToken, 'token-1');
      await writeFile(tokenFile, 'token-rotated\n');
      const flow = await api.request<{ metadata: { name: string } }>('GET', FLOW);
      assert.equal(flow.metadata.name, 'orders');
      assert.equal(server.lastToken, 'token-rotated');
    } finally {
      await dispose();
    }
  });

  void it('maps statuses to typed errors', async () => {
    const { api, dispose } = await apiFor(server);
    try {
      const expectations: Array<[number, string, boolean]> = [
        [401, 'unauthorized', false],
        [403, 'forbidden', false],
        [409, 'conflict', true],
        [422, 'rejected', false],
        [429, 'unavailable', true],
        [503, 'unavailable', true],
      ];
      for (const [status, kind, retriable] of expectations) {
        server.fail('GET', FLOW, status);
        await assert.rejects(api.request('GET', FLOW), (error: unknown) => {
          assert.ok(error instanceof KubeApiError);
          assert.equal(error.kind, kind);
          assert.equal(error.status, status);
          assert.equal(error.retriable, retriable);
          assert.match(error.message, new RegExp(`GET ${FLOW}: ${status} injected`));
          return true;
        });
      }
      await assert.rejects(api.request('GET', `${FLOW}-missing`), (error: unknown) => error instanceof KubeApiError && error.kind === 'not-found');
    } finally {
      await dispose();
    }
  });

  void it('gives up on a silent server after the timeout, as a retriable error', async () => {
    const { api, dispose } = await apiFor(server, { timeoutMs: 150 });
    server.hang = true;
    try {
      await assert.rejects(api.request('GET', FLOW), (error: unknown) => {
        assert.ok(error instanceof KubeApiError);
        assert.equal(error.kind, 'unavailable');
        assert.equal(error.retriable, true);
        assert.match(error.message, /no answer within 150 ms/);
        return true;
      });
    } finally {
      server.hang = false;
      await dispose();
    }
  });

  void it('reports a refused connection as retriable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'df-kube-'));
    try {
      await writeFile(join(dir, 'token'), 't');
      const closed = await FakeApiServer.start();
      const url = closed.url;
      await closed.close();
      const api = new InClusterApi({ baseUrl: url, tokenFile: join(dir, 'token'), namespace: 'n', allowInsecureHttp: true });
      await assert.rejects(api.request('GET', FLOW), (error: unknown) => error instanceof KubeApiError && error.kind === 'unavailable');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
