import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import { PodConfigError } from './pod-fields.js';
import { cpuCount, memoryBytes, podmanRunArgs } from './podman-args.js';
import type { PodmanRunInput } from './podman-args.js';

const restricted: V1Container = {
  name: 'worker',
  image: 'localhost/dataflow-worker:0.1.0',
  args: ['--config', '/etc/dataflow/flow.json'],
  workingDir: '/app',
  resources: { limits: { memory: '512Mi', cpu: '500m' } },
  securityContext: {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'], add: ['net_bind_service'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
};

const input = (over: Partial<PodmanRunInput> = {}): PodmanRunInput => ({
  name: 'k8s_worker_p_ns_1234',
  image: 'localhost/dataflow-worker:0.1.0',
  container: restricted,
  podSecurityContext: { fsGroup: 10001, supplementalGroups: [2000] },
  imageUser: '10001:10001',
  mounts: [
    { mountPath: '/etc/dataflow', source: '/run/pods/p/vol/config', readOnly: true },
    { mountPath: '/tmp', source: '/run/pods/p/vol/tmp', readOnly: false },
  ],
  env: { DB_PASSWORD: 's3cret', HOSTNAME: 'p', PATH: '/custom/bin' },
  command: [],
  args: ['--config', '/etc/dataflow/flow.json'],
  ...over,
});

/** The value after each occurrence of an option. */
const values = (args: readonly string[], option: string): string[] => args.flatMap((a, i) => (a === option ? [args[i + 1] ?? ''] : []));

void describe('podmanRunArgs', () => {
  void it('applies the restricted security context, limits, host network and mounts, image last with its args', () => {
    const { args } = podmanRunArgs(input());
    assert.deepEqual(args.slice(0, 10), ['run', '--name', 'k8s_worker_p_ns_1234', '--replace', '--rm', '--pull', 'never', '--network', 'host', '--user']);
    assert.equal(values(args, '--user')[0], '10001:10001');
    assert.deepEqual(values(args, '--group-add'), ['10001', '2000']);
    assert.ok(args.includes('--read-only') && args.includes('--read-only-tmpfs=false'), 'read-only root without podman tmpfs mounts');
    assert.deepEqual(values(args, '--security-opt'), ['no-new-privileges']);
    assert.deepEqual(values(args, '--cap-drop'), ['ALL']);
    assert.deepEqual(values(args, '--cap-add'), ['CAP_NET_BIND_SERVICE']);
    assert.deepEqual(values(args, '--memory'), [String(512 * 1024 * 1024)]);
    assert.deepEqual(values(args, '--cpus'), ['0.5']);
    assert.deepEqual(values(args, '-v'), ['/run/pods/p/vol/config:/etc/dataflow:ro', '/run/pods/p/vol/tmp:/tmp']);
    assert.deepEqual(values(args, '--workdir'), ['/app']);
    assert.ok(!args.includes('--entrypoint'), 'no command: the image entrypoint runs');
    assert.deepEqual(args.slice(-3), ['localhost/dataflow-worker:0.1.0', '--config', '/etc/dataflow/flow.json']);
  });

  void it('passes env values through podman’s environment, never on the command line (except podman’s own names)', () => {
    const run = podmanRunArgs(input());
    assert.deepEqual(values(run.args, '-e'), ['DB_PASSWORD', 'HOSTNAME', 'PATH=/custom/bin']);
    assert.deepEqual(run.env, { DB_PASSWORD: 's3cret', HOSTNAME: 'p' });
    assert.ok(!run.args.some((a) => a.includes('s3cret')));
  });

  void it('turns command into the entrypoint (JSON) with args after the image', () => {
    const { args } = podmanRunArgs(input({ command: ['/nodejs/bin/node', '/app/x.mjs'], args: ['-v'] }));
    assert.deepEqual(values(args, '--entrypoint'), ['["/nodejs/bin/node","/app/x.mjs"]']);
    assert.deepEqual(args.slice(-2), ['localhost/dataflow-worker:0.1.0', '-v']);
  });

  void it('takes the pod-level user when the container sets none, and keeps the image user otherwise', () => {
    const bare: V1Container = { name: 'c', image: 'img' };
    assert.deepEqual(values(podmanRunArgs(input({ container: bare, podSecurityContext: { runAsUser: 2000, runAsGroup: 3000 } })).args, '--user'), ['2000:3000']);
    assert.deepEqual(values(podmanRunArgs(input({ container: bare, podSecurityContext: {} })).args, '--user'), []);
    assert.deepEqual(values(podmanRunArgs(input({ container: bare, podSecurityContext: { runAsGroup: 5 } })).args, '--user'), ['10001:5']);
  });

  void it('refuses runAsNonRoot when the container would run as root or the image user is a name', () => {
    const nonRoot: V1Container = { name: 'c', image: 'img', securityContext: { runAsNonRoot: true } };
    assert.throws(() => podmanRunArgs(input({ container: nonRoot, podSecurityContext: {}, imageUser: '' })), (e: unknown) => e instanceof PodConfigError && /would run as root/.test(e.message));
    assert.throws(() => podmanRunArgs(input({ container: nonRoot, podSecurityContext: { runAsUser: 0 } })), /would run as root/);
    assert.throws(() => podmanRunArgs(input({ container: nonRoot, podSecurityContext: {}, imageUser: 'node' })), /non-numeric user \(node\)/);
    assert.doesNotThrow(() => podmanRunArgs(input({ container: nonRoot, podSecurityContext: {}, imageUser: '10001' })));
  });

  void it('maps seccomp Unconfined, rejects Localhost, and adds nothing for RuntimeDefault', () => {
    const withSeccomp = (type: string): V1Container => ({ name: 'c', image: 'img', securityContext: { seccompProfile: { type } } });
    assert.deepEqual(values(podmanRunArgs(input({ container: withSeccomp('Unconfined') })).args, '--security-opt'), ['seccomp=unconfined']);
    assert.deepEqual(values(podmanRunArgs(input({ container: withSeccomp('RuntimeDefault') })).args, '--security-opt'), []);
    assert.throws(() => podmanRunArgs(input({ container: withSeccomp('Localhost') })), /seccompProfile type "Localhost" is not supported/);
  });

  void it('leaves limits out on request, and rejects mount paths podman -v cannot express', () => {
    assert.deepEqual(values(podmanRunArgs(input({ resourceLimits: false })).args, '--memory'), []);
    assert.throws(() => podmanRunArgs(input({ mounts: [{ mountPath: '/a:b', source: '/x', readOnly: false }] })), /contains ':'/);
  });
});

void describe('quantities', () => {
  void it('parses memory and CPU quantities, naming the field on bad input', () => {
    assert.equal(memoryBytes('64Mi', 'm'), 64 * 1024 * 1024);
    assert.equal(memoryBytes('1G', 'm'), 1e9);
    assert.equal(memoryBytes('1e3', 'm'), 1000);
    assert.equal(memoryBytes('1000', 'm'), 1000);
    assert.equal(cpuCount('250m', 'c'), 0.25);
    assert.equal(cpuCount('2', 'c'), 2);
    assert.throws(() => memoryBytes('lots', 'resources.limits.memory'), /resources.limits.memory: "lots" is not a memory quantity/);
    assert.throws(() => cpuCount('1.5x', 'resources.limits.cpu'), /resources.limits.cpu/);
  });
});
