import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import type { Message } from '../../message.js';
import { FileSink } from './sink.js';
import { FileSource } from './source.js';

const live = new AbortController().signal;
let dir: string;

void before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-file-'));
});
void after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(source: FileSource, max = 1000): Promise<Message[]> {
  const out: Message[] = [];
  while (!source.done()) out.push(...(await source.read(max, live)));
  return out;
}

void describe('file source', () => {
  void it('reads NDJSON lines with line-number positions, skipping blank lines and CRs', async () => {
    const path = join(dir, 'lines.ndjson');
    await writeFile(path, '{"a":1}\r\n\n   \n[2]\n"three"\n{"last":true}');
    const source = new FileSource({ path, follow: false }, { chunkSize: 5 });
    await source.open(live);
    const messages = await readAll(source, 2);
    assert.deepEqual(
      messages.map((m) => [m.position.offset, m.value]),
      [
        ['1', { a: 1 }],
        ['4', [2]],
        ['5', 'three'],
        ['6', { last: true }],
      ],
    );
    assert.equal(messages[0]?.position.partition, path);
    assert.deepEqual(await source.read(10, live), [], 'exhausted');
    await source.close();
  });

  void it('passes a line that is not JSON, or not UTF-8, on as its exact bytes', async () => {
    const path = join(dir, 'raw.ndjson');
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
    await writeFile(path, Buffer.concat([Buffer.from('plain text\n'), bad, Buffer.from('\n')]));
    const source = new FileSource({ path, follow: false });
    await source.open(live);
    const [text, invalid] = await readAll(source);
    assert.deepEqual(Buffer.from(text?.value as Uint8Array), Buffer.from('plain text'));
    assert.deepEqual(Buffer.from(invalid?.value as Uint8Array), bad);
    await source.close();
  });

  void it('reads a 10 MB line across many chunks', async () => {
    const path = join(dir, 'big.ndjson');
    const big = { blob: 'x'.repeat(10 * 1024 * 1024) };
    await writeFile(path, JSON.stringify(big) + '\n{"after":1}\n');
    const source = new FileSource({ path, follow: false });
    await source.open(live);
    const messages = await readAll(source);
    assert.equal(messages.length, 2);
    assert.equal((messages[0]?.value as { blob: string }).blob.length, big.blob.length);
    await source.close();
  });

  void it('follows appended lines until aborted, holding an unfinished line', async () => {
    const path = join(dir, 'follow.ndjson');
    await writeFile(path, '{"n":1}\n{"n":');
    const source = new FileSource({ path, follow: true }, { pollIntervalMs: 10 });
    await source.open(live);
    assert.deepEqual((await source.read(10, live)).map((m) => m.value), [{ n: 1 }]);
    const pending = source.read(10, live);
    await appendFile(path, '2}\n');
    assert.deepEqual((await pending).map((m) => m.value), [{ n: 2 }]);
    assert.equal(source.done(), false);
    const controller = new AbortController();
    const waiting = source.read(10, controller.signal);
    controller.abort();
    assert.deepEqual(await waiting, []);
    await source.close();
  });

  void it('refuses acks of lines it never delivered', async () => {
    const path = join(dir, 'ack.ndjson');
    await writeFile(path, '1\n2\n3\n');
    const source = new FileSource({ path, follow: false });
    await source.open(live);
    const [first] = await source.read(1, live);
    await source.ack([first?.position as Message['position']]);
    assert.equal(source.committedLine, 1);
    await assert.rejects(source.ack([{ partition: path, offset: '3' }]), /never delivered/);
    await source.close();
  });

  void it('fails to open a missing file with a ConfigError naming the path', async () => {
    const source = new FileSource({ path: join(dir, 'missing.ndjson'), follow: false });
    await assert.rejects(source.open(live), (e: unknown) => e instanceof ConfigError && e.message.includes('missing.ndjson'));
  });
});

void describe('file sink', () => {
  void it('appends one line per message: JSON serialised, raw bytes unchanged', async () => {
    const path = join(dir, 'out', 'sink.ndjson');
    const raw = Uint8Array.of(0x6e, 0xff, 0x41);
    const message = (value: Message['value'], n: number): Message => ({
      id: String(n),
      position: { partition: 'p', offset: String(n) },
      timestamp: new Date(0),
      key: null,
      value,
      headers: {},
      meta: {},
    });
    const sink = new FileSink({ path });
    await sink.open(live);
    assert.deepEqual(await sink.write([message({ a: 1 }, 1), message(raw, 2), message('s', 3)], live), { failed: [] });
    assert.deepEqual(await sink.write([message([1, 2], 4)], live), { failed: [] });
    await sink.close();
    await sink.close();
    const expected = Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.from(raw), Buffer.from('\n"s"\n[1,2]\n')]);
    assert.deepEqual(await readFile(path), expected);
    await assert.rejects(sink.write([message(1, 5)], live), /after close/);
  });
});
