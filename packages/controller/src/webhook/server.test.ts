// The webhook's HTTPS server with a throw-away self-signed certificate made by the openssl CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { UPSTREAM_WEBHOOK_PATH, WEBHOOK_PATH, startWebhookServer } from './server.js';
import type { RunningWebhookServer } from './server.js';

const run = promisify(execFile);

async function selfSigned(dir: string, cn: string): Promise<Buffer> {
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
  ]);
  return readFile(join(dir, 'tls.crt'));
}

interface Reply {
  status: number;
  body: string;
  peerCn: string;
}

function post(port: number, ca: Buffer, path: string, body: string, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // agent: false — a fresh TLS handshake every time, so a renewed certificate shows at once.
    const req = request({ host: '127.0.0.1', port, path, method, ca, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject.CN);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, peerCn: cn }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const REVIEW = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'abc',
    kind: { group: 'dataflow.dataflow.io', version: 'v1', kind: 'DataFlow' },
    operation: 'CREATE',
    namespace: 'shop',
    name: 'bad',
    object: { metadata: { name: 'bad', namespace: 'shop' }, spec: { source: { type: 'generator', config: { template: { a: 1 } } }, sink: { type: 'postgresql', config: { connectionString: 'postgres://u@h/d' } } } },
  },
});

void describe('webhook server', () => {
  let dir = '';
  let ca: Buffer = Buffer.alloc(0);
  let server: RunningWebhookServer | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dataflow-webhook-test-'));
    ca = await selfSigned(dir, 'first');
    server = await startWebhookServer({ port: 0, host: '127.0.0.1', certDir: dir, log: pino({ level: 'silent' }), reloadIntervalMs: 50 });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  void it('answers POST /validate with an AdmissionReview over TLS', async () => {
    const reply = await post(server?.port ?? 0, ca, WEBHOOK_PATH, REVIEW);
    assert.equal(reply.status, 200);
    const review = JSON.parse(reply.body) as { kind: string; response: { uid: string; allowed: boolean; status: { message: string } } };
    assert.equal(review.kind, 'AdmissionReview');
    assert.equal(review.response.uid, 'abc');
    assert.equal(review.response.allowed, false);
    assert.match(review.response.status.message, /spec\.sink\.config\.table/);
    const upstream = await post(server?.port ?? 0, ca, UPSTREAM_WEBHOOK_PATH, REVIEW);
    assert.equal(upstream.status, 200, 'the upstream path answers too');
    assert.equal((JSON.parse(upstream.body) as { response: { allowed: boolean } }).response.allowed, false);
  });

  void it('answers 400 for a body that is not JSON or not an AdmissionReview, 404 and 405 elsewhere', async () => {
    const port = server?.port ?? 0;
    assert.equal((await post(port, ca, WEBHOOK_PATH, '{nope')).status, 400);
    assert.equal((await post(port, ca, WEBHOOK_PATH, '{"kind":"Pod"}')).status, 400);
    assert.equal((await post(port, ca, '/mutate', REVIEW)).status, 404);
    assert.equal((await post(port, ca, WEBHOOK_PATH, '', 'GET')).status, 405);
  });

  void it('serves a renewed certificate without a restart', async () => {
    const port = server?.port ?? 0;
    assert.equal((await post(port, ca, WEBHOOK_PATH, REVIEW)).peerCn, 'first');
    const renewed = await selfSigned(dir, 'second');
    const deadline = Date.now() + 10_000;
    let cn = '';
    while (Date.now() < deadline) {
      // The old CA no longer verifies the new certificate; trust the new one to see it.
      cn = (await post(port, renewed, WEBHOOK_PATH, REVIEW).catch(() => ({ peerCn: '' }))).peerCn;
      if (cn === 'second') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(cn, 'second');
  });

  void it('fails to start without a readable certificate, naming the files', async () => {
    await assert.rejects(
      startWebhookServer({ port: 0, host: '127.0.0.1', certDir: join(dir, 'missing'), log: pino({ level: 'silent' }) }),
      /webhook certificate: cannot read .*missing\/tls\.crt/,
    );
  });
});
