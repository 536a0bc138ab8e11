import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PodConfigError } from './pod-fields.js';
import { PathMap, containerArgv, containerMounts, rewriteMountedPaths } from './pod-command.js';

const images = [{ match: 'dataflow-worker', entrypoint: ['/usr/bin/node', '/repo/worker/main.js'], commands: { 'dataflow-worker': ['/usr/bin/node', '/repo/worker/main.js'] } }];

void describe('containerArgv', () => {
  void it('runs the mapped entrypoint with args, or the command (mapped when it names the image binary)', () => {
    const env = { CONFIG: '/etc/dataflow/flow.json' };
    assert.deepEqual(containerArgv({ name: 'w', image: 'localhost/dataflow-worker:dev', args: ['--config', '$(CONFIG)'] }, env, images), [
      '/usr/bin/node',
      '/repo/worker/main.js',
      '--config',
      '/etc/dataflow/flow.json',
    ]);
    assert.deepEqual(containerArgv({ name: 'w', image: 'reg.example/dataflow-worker:1', command: ['/usr/local/bin/dataflow-worker'], args: ['-v'] }, env, images), [
      '/usr/bin/node',
      '/repo/worker/main.js',
      '-v',
    ]);
    assert.deepEqual(containerArgv({ name: 'x', image: 'busybox', command: ['sh', '-c', 'echo $(CONFIG)'] }, env, images), ['sh', '-c', 'echo /etc/dataflow/flow.json']);
  });

  void it('refuses an unmapped image without a command, naming the image', () => {
    assert.throws(() => containerArgv({ name: 'x', image: 'busybox' }, {}, images), (e: unknown) => e instanceof PodConfigError && /image "busybox" has no local mapping/.test(e.message));
  });
});

void describe('PathMap and mounts', () => {
  const volumes = new Map([
    ['config', '/run/pods/p/vol/config'],
    ['secrets', '/run/pods/p/vol/secrets'],
  ]);
  const mounts = containerMounts(
    {
      name: 'w',
      volumeMounts: [
        { name: 'config', mountPath: '/etc/dataflow/' },
        { name: 'secrets', mountPath: '/etc/dataflow/secrets', readOnly: true },
        { name: 'config', mountPath: '/app/flow.json', subPath: 'flow.json' },
      ],
    },
    volumes,
  );
  const paths = new PathMap(mounts);

  void it('maps by the longest containing mountPath, at path boundaries only', () => {
    assert.equal(paths.translate('/etc/dataflow/flow.json'), '/run/pods/p/vol/config/flow.json');
    assert.equal(paths.translate('/etc/dataflow/secrets/pw'), '/run/pods/p/vol/secrets/pw');
    assert.equal(paths.translate('/etc/dataflowx/a'), undefined);
    assert.equal(paths.translate('/app/flow.json'), '/run/pods/p/vol/config/flow.json');
    assert.deepEqual(paths.toJSON()['/etc/dataflow'], '/run/pods/p/vol/config');
  });

  void it('rewrites path arguments and --flag=path forms, nothing else', () => {
    assert.deepEqual(rewriteMountedPaths(['--config', '/etc/dataflow/flow.json', '--secrets-dir=/etc/dataflow/secrets', '/tmp/x', 'etc/dataflow'], paths), [
      '--config',
      '/run/pods/p/vol/config/flow.json',
      '--secrets-dir=/run/pods/p/vol/secrets',
      '/tmp/x',
      'etc/dataflow',
    ]);
  });

  void it('rejects a mount of an unknown volume or a subPath leaving the volume', () => {
    assert.throws(() => containerMounts({ name: 'w', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, volumes), /no volume named "nope"/);
    assert.throws(() => containerMounts({ name: 'w', volumeMounts: [{ name: 'config', mountPath: '/x', subPath: '../../etc' }] }, volumes), /must stay inside the volume/);
  });
});
