import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import { declaredPorts, probedPort, remapPortArgs } from './host-ports.js';

const controller: V1Container = {
  name: 'controller',
  ports: [
    { name: 'metrics', containerPort: 8080 },
    { name: 'health', containerPort: 8081 },
  ],
  livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
  readinessProbe: { httpGet: { path: '/readyz', port: 'health' } },
};

void describe('host ports', () => {
  void it('finds the declared ports and the port the probes address (by name or number)', () => {
    assert.deepEqual(declaredPorts(controller), [8080, 8081]);
    assert.equal(probedPort(controller), 8081);
    assert.equal(probedPort({ name: 'w', readinessProbe: { tcpSocket: { port: '9090' } } }), 9090);
    assert.equal(probedPort({ name: 'w' }), undefined);
    assert.throws(() => probedPort({ name: 'w', livenessProbe: { httpGet: { port: 'http' } } }), /container "w" livenessProbe: no port named "http"/);
  });

  void it('rewrites port flags (=N, separate N, address :N) and leaves everything else', () => {
    const map = new Map([
      [8080, 41000],
      [8081, 41001],
    ]);
    assert.deepEqual(
      remapPortArgs(['--metrics-port=8080', '--health-port', '8081', '--metrics-bind-address=:8080', '--listen=127.0.0.1:8081', '--workers=8080', '8080', '--port=9999'], map),
      ['--metrics-port=41000', '--health-port', '41001', '--metrics-bind-address=:41000', '--listen=127.0.0.1:41001', '--workers=8080', '8080', '--port=9999'],
    );
  });
});
