import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Message } from '../../message.js';
import { StdoutSink, parseStdoutSinkConfig } from './sink.js';

const live = new AbortController().signal;

function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const message = (value: Message['value']): Message => ({
  id: '1',
  position: { partition: 'p', offset: '1' },
  timestamp: new Date(0),
  key: null,
  value,
  headers: {},
  meta: {},
});

void describe('stdout sink', () => {
  void it('writes one JSON line per message', async () => {
    const out = capture();
    const sink = new StdoutSink(parseStdoutSinkConfig({}), out.stream);
    await sink.open(live);
    await sink.write([message({ a: 1 }), message(Buffer.from('raw text'))], live);
    assert.equal(out.text(), '{"a":1}\nraw text\n');
  });

  void it('indents with pretty', async () => {
    const out = capture();
    const sink = new StdoutSink(parseStdoutSinkConfig({ pretty: true }), out.stream);
    await sink.open(live);
    await sink.write([message({ a: [1] })], live);
    assert.equal(out.text(), '{\n  "a": [\n    1\n  ]\n}\n');
  });

  void it('reports a broken stream as a non-retriable error', async () => {
    const stream = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('EPIPE')) });
    stream.on('error', () => undefined);
    const sink = new StdoutSink({ pretty: false }, stream);
    await sink.open(live);
    await assert.rejects(sink.write([message(1)], live), (e: unknown) => e instanceof Error && 'retriable' in e && e.retriable === false);
  });

  void it('rejects a pretty flag that is not a boolean', () => {
    assert.throws(() => parseStdoutSinkConfig({ pretty: 'yes' }), /stdout sink: config\.pretty must be true or false/);
  });
});
