import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { applyVolumeOwnership, podRunAsOwner } from './volume-ownership.js';

void describe('podRunAsOwner', () => {
  void it('is the one user all containers run as, with its group', () => {
    const pod = (psc: object, containers: object[]): V1Pod => ({ spec: { securityContext: psc, containers: containers as never } });
    assert.deepEqual(podRunAsOwner(pod({ runAsUser: 10001, runAsGroup: 10002 }, [{ name: 'a' }, { name: 'b' }])), { uid: 10001, gid: 10002 });
    assert.deepEqual(podRunAsOwner(pod({ fsGroup: 3 }, [{ name: 'a', securityContext: { runAsUser: 7 } }])), { uid: 7, gid: 3 });
    assert.equal(podRunAsOwner(pod({}, [{ name: 'a', securityContext: { runAsUser: 1 } }, { name: 'b', securityContext: { runAsUser: 2 } }])), undefined);
    assert.equal(podRunAsOwner(pod({}, [{ name: 'a' }])), undefined, 'the image decides');
  });
});

// chown needs root; CI runs as root, so there it runs (and fails without root) instead of skipping.
const needsRoot = process.getuid?.() !== 0 && process.env['CI'] !== 'true' ? 'chown needs root' : false;

void describe('applyVolumeOwnership', { skip: needsRoot }, () => {
  void it('makes emptyDirs world-writable and gives fsGroup read access to the other volumes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'volume-ownership-'));
    try {
      const tmp = join(dir, 'tmp');
      const secret = join(dir, 'secret');
      await mkdir(tmp);
      await mkdir(secret, { mode: 0o700 });
      await writeFile(join(secret, 'password'), 'x', { mode: 0o400 });
      const pod: V1Pod = {
        spec: {
          securityContext: { fsGroup: 4321 },
          containers: [{ name: 'c', volumeMounts: [{ name: 'secret', mountPath: '/s', readOnly: true }] }],
          volumes: [
            { name: 'tmp', emptyDir: {} },
            { name: 'secret', secret: { secretName: 's' } },
          ],
        },
      };
      await applyVolumeOwnership(pod, new Map([['tmp', tmp], ['secret', secret]]));
      assert.equal((await stat(tmp)).mode & 0o7777, 0o2777);
      const file = await stat(join(secret, 'password'));
      assert.equal(file.gid, 4321);
      assert.equal(file.mode & 0o777, 0o440, 'group-readable, not writable (mounted read-only)');
      assert.equal((await stat(secret)).mode & 0o7777, 0o2750);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
