import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCheckpointStore, MemoryCheckpointStore, checkpointFile } from './file-checkpoint-store.js';

const tmp = mkdtempSync(join(tmpdir(), 'dataflow-checkpoint-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const flow = { namespace: 'ns', name: 'orders' };

void describe('FileCheckpointStore', () => {
  void it('has nothing before the first save, then returns what was saved last', async () => {
    const store = new FileCheckpointStore(join(tmp, 'a'), flow);
    assert.equal(store.file, join(tmp, 'a', 'ns', 'orders', 'checkpoint.json'));
    assert.equal(await store.load(), undefined);
    await Promise.all([store.save({ lsn: '0/1' }), store.save({ lsn: '0/2' }), store.save({ lsn: '0/3' })]);
    assert.deepEqual(await store.load(), { lsn: '0/3' });
    // A new store (a restarted process) reads the same file.
    assert.deepEqual(await new FileCheckpointStore(join(tmp, 'a'), flow).load(), { lsn: '0/3' });
    assert.deepEqual(JSON.parse(readFileSync(store.file, 'utf8')), { lsn: '0/3' });
  });

  void it('forgets the checkpoint on reset', async () => {
    const store = new FileCheckpointStore(join(tmp, 'b'), flow);
    await store.save({ offset: 7 });
    await store.reset();
    assert.equal(await store.load(), undefined);
    await store.reset(); // nothing stored: still fine
  });

  void it('names the file when its content is not a JSON object', async () => {
    const file = checkpointFile(join(tmp, 'c'), flow);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{broken');
    await assert.rejects(new FileCheckpointStore(join(tmp, 'c'), flow).load(), /checkpoint .*checkpoint\.json is not valid JSON/);
    writeFileSync(file, '[1,2]');
    await assert.rejects(new FileCheckpointStore(join(tmp, 'c'), flow).load(), /must hold a JSON object/);
  });

  void it('reports a save that cannot be written, and later saves still work', async () => {
    const blocker = join(tmp, 'd');
    writeFileSync(blocker, 'a file where the state directory should be');
    const store = new FileCheckpointStore(blocker, flow);
    await assert.rejects(store.save({ n: 1 }), /checkpoint .* cannot be saved/);
    rmSync(blocker);
    await store.save({ n: 2 });
    assert.deepEqual(await store.load(), { n: 2 });
  });
});

void describe('MemoryCheckpointStore', () => {
  void it('keeps the last checkpoint in memory only', async () => {
    const store = new MemoryCheckpointStore();
    assert.equal(await store.load(), undefined);
    await store.save({ n: 1 });
    assert.deepEqual(await store.load(), { n: 1 });
  });
});
