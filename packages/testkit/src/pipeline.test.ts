// runPipeline end to end with the in-memory connectors (and the file connectors where bytes on
// disk matter). Lives in testkit because the worker's own tests cannot import testkit.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuiltTransform, Message, PipelineObserver, PipelineOptions, RetryEnv, SinkBinding, Sink } from '@dataflow/worker';
import {
  ConfigError,
  DataflowError,
  ErrorCode,
  FileSink,
  FileSource,
  RecordError,
  builtinRegistry,
  buildFlow,
  deriveMessage,
  noopObserver,
  runPipeline,
} from '@dataflow/worker';
import { testContext } from './context.js';
import { MemorySink } from './memory-sink.js';
import { MemorySource } from './memory-source.js';
import { makeMessage, numberedMessages } from './messages.js';
import { waitFor } from './wait-for.js';

/** No real waiting between retries. */
const instantRetries: RetryEnv = { sleep: () => Promise.resolve(), random: () => 0.5 };

function bind(name: string, sink: Sink, maxSize = 500, maxAgeMs = 1000, type = 'memory'): SinkBinding {
  return { name, type, sink, batch: { maxSize, maxAgeMs } };
}

function options(source: MemorySource | FileSource, main: SinkBinding, extra: Partial<PipelineOptions> = {}): PipelineOptions {
  return { source, sourceType: 'memory', main, retryEnv: instantRetries, ...extra };
}

const n = (m: Message): number => (m.value as { n: number }).n;

/** A transform that throws a RecordError for the listed `n` values. */
function failingOn(values: readonly number[], type = 'check'): BuiltTransform {
  return {
    type,
    apply: (m) => {
      if (values.includes(n(m))) throw new RecordError(`n=${n(m)} is not allowed`, { code: ErrorCode.transform });
      return [m];
    },
  };
}

let dir: string;
void before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'df-pipeline-'));
});
void after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void describe('runPipeline', () => {
  void it('moves every message to the sink and commits every position in order', async () => {
    const source = new MemorySource({ messages: [...numberedMessages(1200, 'a'), ...numberedMessages(300, 'b')] });
    const sink = new MemorySink();
    const summary = await runPipeline(options(source, bind('main', sink, 100)));
    assert.equal(sink.written, 1500);
    assert.deepEqual(source.ackedOffsets('a'), Array.from({ length: 1200 }, (_, i) => String(i + 1)));
    assert.equal(source.ackedOffsets('b').length, 300);
    assert.equal(summary.read, 1500);
    assert.deepEqual(summary.written, { main: 1500 });
    assert.equal(summary.committed, 1500);
    assert.equal(summary.uncommitted, 0);
    assert.ok(sink.batches.every((b) => b.length <= 100), 'batches respect the batch size');
    assert.equal(sink.maxConcurrentWrites, 1, 'one write at a time per sink');
    assert.ok(source.isClosed && sink.isClosed);
  });

  void it('holds the source back while a slow sink is full: no more than channelBufferSize + one batch ahead', async () => {
    const source = new MemorySource({ messages: numberedMessages(200) });
    const sink = new MemorySink();
    sink.hold();
    const running = runPipeline(options(source, bind('main', sink, 5, 60_000), { channelBufferSize: 10 }));
    await waitFor(() => sink.activeWrites === 1, { what: 'the first write started' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(source.delivered <= 10 + 5, `read ahead ${source.delivered} messages while nothing was written`);
    assert.ok(source.delivered >= 5);
    sink.release();
    const summary = await running;
    assert.equal(sink.written, 200);
    assert.equal(summary.committed, 200);
  });

  void it('keeps full batches flowing from an open-ended source without waiting for the age limit', async () => {
    const source = new MemorySource({ messages: numberedMessages(100), finite: false });
    const sink = new MemorySink();
    const controller = new AbortController();
    const running = runPipeline(options(source, bind('main', sink, 5, 60_000), { channelBufferSize: 2, signal: controller.signal }));
    try {
      await waitFor(() => source.acked.length === 100, { timeoutMs: 2000, what: 'all 100 messages written in full batches' });
      assert.ok(sink.batches.every((b) => b.length === 5));
    } finally {
      controller.abort();
      await running;
    }
  });

  void it('retries retriable sink errors and then succeeds, reporting each retry', async () => {
    const retried: string[] = [];
    const observer: PipelineObserver = { ...noopObserver, writeRetried: (sink, _type, errorType) => retried.push(`${sink}:${errorType}`) };
    const source = new MemorySource({ messages: numberedMessages(10) });
    const sink = new MemorySink({ failWrites: 3 });
    const summary = await runPipeline(options(source, bind('main', sink, 10), { observer }));
    assert.deepEqual(retried, ['main:DF_CONNECTION', 'main:DF_CONNECTION', 'main:DF_CONNECTION']);
    assert.equal(sink.writeCalls, 4);
    assert.deepEqual(sink.values(), numberedMessages(10).map((m) => m.value));
    assert.equal(summary.committed, 10);
  });

  void it('retries a source that fails to open and to read', async () => {
    const source = new MemorySource({ messages: numberedMessages(3), failOpens: 2, failReads: 2 });
    const sink = new MemorySink({ failOpens: 1 });
    const summary = await runPipeline(options(source, bind('main', sink)));
    assert.equal(summary.committed, 3);
    assert.equal(source.openCalls, 3);
  });

  void it('sends a record the sink rejects to the error sink as the exact message, then commits it', async () => {
    const messages = numberedMessages(5);
    const failing = messages[2] as Message;
    failing.meta = { topic: 'orders' };
    const source = new MemorySource({ messages });
    const main = new MemorySink({ rejectRecord: (m) => (n(m) === 3 ? new RecordError('column amount: not a number') : undefined) });
    const errors = new MemorySink();
    const before = Date.now();
    const summary = await runPipeline(options(source, bind('main', main, 10, 1000, 'postgresql'), { errors: bind('errors', errors, 10) }));

    assert.deepEqual(main.values(), [1, 2, 4, 5].map((v) => ({ n: v })));
    assert.equal(errors.messages.length, 1);
    const record = errors.messages[0] as Message;
    const value = record.value as { error: { timestamp: string } };
    const timestamp = value.error.timestamp;
    assert.ok(Date.parse(timestamp) >= before - 1, 'the error timestamp is the time of the failure');
    assert.deepEqual(record.value, {
      error: {
        message: 'column amount: not a number',
        stage: 'sink:main',
        timestamp,
        original_sink: 'postgresql',
        position: { partition: 'p0', offset: '3' },
        metadata: { topic: 'orders' },
      },
      original_message: { n: 3 },
    });
    assert.deepEqual(record.meta, {
      topic: 'orders',
      error: 'column amount: not a number',
      error_timestamp: timestamp,
      error_stage: 'sink:main',
      original_sink: 'postgresql',
      is_error_message: true,
    });
    assert.deepEqual(source.ackedOffsets(), ['1', '2', '3', '4', '5']);
    assert.equal(summary.failed, 1);
    assert.equal(summary.deadLettered, 1);
    assert.deepEqual(summary.written, { main: 4, errors: 1 });
  });

  void it('dead-letters a transform failure with the message as it entered the failing step', async () => {
    const double: BuiltTransform = { type: 'double', apply: (m) => [deriveMessage(m, { n: n(m) * 2 })] };
    const source = new MemorySource({ messages: numberedMessages(4) });
    const main = new MemorySink();
    const errors = new MemorySink();
    const summary = await runPipeline(
      options(source, bind('main', main, 10), { transforms: [double, failingOn([6], 'reject-six')], errors: bind('errors', errors) }),
    );
    assert.deepEqual(main.values(), [{ n: 2 }, { n: 4 }, { n: 8 }]);
    const record = errors.messages[0]?.value as { error: { stage: string; position: unknown }; original_message: unknown };
    assert.equal(record.error.stage, 'transform:1:reject-six');
    assert.deepEqual(record.error.position, { partition: 'p0', offset: '3' });
    assert.deepEqual(record.original_message, { n: 6 }, 'the input of step 1, not the source payload');
    assert.deepEqual(source.ackedOffsets(), ['1', '2', '3', '4']);
    assert.equal(summary.failed, 1);
  });

  void it('dead-letters an undecodable record at stage decode', async () => {
    const broken = makeMessage(Uint8Array.of(1, 2, 3), { offset: 2 });
    broken.decodeError = new DataflowError(ErrorCode.decode, 'avro: unknown schema id 9', false);
    const source = new MemorySource({ messages: [makeMessage({ n: 1 }, { offset: 1 }), broken] });
    const errors = new MemorySink();
    await runPipeline(options(source, bind('main', new MemorySink()), { errors: bind('errors', errors) }));
    const record = errors.messages[0]?.value as { error: { stage: string; message: string }; original_message: { original_data_base64: string } };
    assert.equal(record.error.stage, 'decode');
    assert.equal(record.error.message, 'avro: unknown schema id 9');
    assert.equal(record.original_message.original_data_base64, 'AQID');
    assert.deepEqual(source.ackedOffsets(), ['1', '2']);
  });

  void it('without an error sink, stops on a failed record naming stage and position, committing nothing after it', async () => {
    const source = new MemorySource({ messages: numberedMessages(10) });
    const main = new MemorySink({ rejectRecord: (m) => (n(m) === 5 ? new RecordError('duplicate key') : undefined) });
    await assert.rejects(
      runPipeline(options(source, bind('main', main, 3))),
      (error: unknown) =>
        error instanceof DataflowError &&
        error.code === ErrorCode.unprocessable &&
        /stage sink:main at position p0@5/.test(error.message) &&
        error.message.includes('duplicate key'),
    );
    assert.ok(source.ackedOffsets().every((offset) => Number(offset) < 5), `acked ${source.ackedOffsets().join(',')}`);
    assert.ok(source.isClosed && main.isClosed, 'connectors are closed after the failure');
  });

  void it('without an error sink, a transform failure stops the flow too', async () => {
    const source = new MemorySource({ messages: numberedMessages(6) });
    await assert.rejects(
      runPipeline(options(source, bind('main', new MemorySink(), 2), { transforms: [failingOn([2])] })),
      /stage transform:0:check at position p0@2/,
    );
    assert.ok(source.ackedOffsets().every((offset) => offset === '1'));
  });

  void it('stops the flow when the error sink rejects an error record', async () => {
    const source = new MemorySource({ messages: numberedMessages(3) });
    const errors = new MemorySink({ rejectRecord: () => new RecordError('too large') });
    await assert.rejects(
      runPipeline(options(source, bind('main', new MemorySink()), { transforms: [failingOn([2])], errors: bind('errors', errors) })),
      /error sink rejected the error record at position p0@2: too large/,
    );
  });

  void it('stops the flow on a sink error that is not retriable', async () => {
    const source = new MemorySource({ messages: numberedMessages(3) });
    const main = new MemorySink({ writeError: new TypeError('cannot read properties of undefined') });
    await assert.rejects(runPipeline(options(source, bind('main', main))), /sink 'main' \(memory\) write failed: cannot read properties/);
    assert.equal(main.writeCalls, 1, 'programming errors are not retried');
    assert.deepEqual(source.acked, []);
  });

  void it('fails start-up naming the route whose sink cannot open, before reading anything', async () => {
    const source = new MemorySource({ messages: numberedMessages(3) });
    const main = new MemorySink();
    const route = new MemorySink({ openError: new ConfigError('table audit does not exist') });
    const router: BuiltTransform = {
      type: 'router',
      apply: (m) => [m],
      routes: [{ name: 'audit', condition: 'true', sink: { type: 'memory', config: {} } }],
    };
    await assert.rejects(
      runPipeline(options(source, bind('main', main), { transforms: [router], routes: [bind('audit', route)] })),
      (error: unknown) => error instanceof DataflowError && /sink 'audit' \(type memory\) failed to open: table audit does not exist/.test(error.message),
    );
    assert.equal(source.readCalls, 0);
    assert.ok(main.isClosed, 'sinks opened before the failure are closed');
  });

  void it('refuses a declared route without a sink binding', async () => {
    const router: BuiltTransform = { type: 'router', apply: (m) => [m], routes: [{ name: 'r', condition: 'x', sink: { type: 'memory', config: {} } }] };
    await assert.rejects(
      runPipeline(options(new MemorySource(), bind('main', new MemorySink()), { transforms: [router] })),
      /route 'r' of transform 'router' has no sink binding/,
    );
  });

  void it('routes, flattens and filters, committing each position only when all of its outputs are done', async () => {
    // n even → route "even" (slow sink); every message is flattened into two children; n = 5 filtered.
    const flatten: BuiltTransform = {
      type: 'flatten',
      apply: (m) => (n(m) === 5 ? [] : [deriveMessage(m, { n: n(m), child: 1 }, '1'), deriveMessage(m, { n: n(m), child: 2 }, '2')]),
    };
    const router: BuiltTransform = {
      type: 'router',
      apply: (m) => {
        if (n(m) % 2 !== 0) return [m];
        const routed = deriveMessage(m, m.value);
        routed.route = 'even';
        return [routed];
      },
      routes: [{ name: 'even', condition: 'n % 2 == 0', sink: { type: 'memory', config: {} } }],
    };
    const source = new MemorySource({ messages: numberedMessages(8) });
    const main = new MemorySink();
    const even = new MemorySink({ writeDelayMs: 20 });
    const filtered: number[] = [];
    const observer: PipelineObserver = { ...noopObserver, filtered: (count) => filtered.push(count) };
    const summary = await runPipeline(
      options(source, bind('main', main, 2, 5), { transforms: [flatten, router], routes: [bind('even', even, 2, 5)], observer }),
    );
    assert.deepEqual(main.values().map((v) => (v as { n: number }).n), [1, 1, 3, 3, 7, 7]);
    assert.deepEqual(even.values().map((v) => (v as { n: number }).n), [2, 2, 4, 4, 6, 6, 8, 8]);
    assert.deepEqual(source.ackedOffsets(), ['1', '2', '3', '4', '5', '6', '7', '8']);
    assert.deepEqual(summary.written, { main: 6, even: 8 });
    assert.equal(summary.filtered, 1);
    assert.deepEqual(filtered, [1]);
  });

  void it('dead-letters a message its route rejects, then commits it', async () => {
    const router: BuiltTransform = {
      type: 'router',
      apply: (m) => {
        const routed = deriveMessage(m, m.value);
        routed.route = 'r';
        return [m, routed];
      },
      routes: [{ name: 'r', condition: 'true', sink: { type: 'memory', config: {} } }],
    };
    const source = new MemorySource({ messages: numberedMessages(3) });
    const route = new MemorySink({ rejectRecord: (m) => (n(m) === 2 ? new RecordError('rejected by route') : undefined) });
    const errors = new MemorySink();
    await runPipeline(options(source, bind('main', new MemorySink()), { transforms: [router], routes: [bind('r', route)], errors: bind('errors', errors) }));
    const record = errors.messages[0]?.value as { error: { stage: string } };
    assert.equal(record.error.stage, 'sink:r');
    assert.deepEqual(source.ackedOffsets(), ['1', '2', '3']);
  });

  void it('flushes a partial batch when it reaches its age', async () => {
    const source = new MemorySource({ messages: numberedMessages(3), finite: false });
    const sink = new MemorySink();
    const controller = new AbortController();
    const running = runPipeline(options(source, bind('main', sink, 100, 30), { signal: controller.signal }));
    try {
      await waitFor(() => source.acked.length === 3, { what: 'the aged batch was written and acked' });
      assert.equal(sink.batches.length, 1);
    } finally {
      controller.abort();
      await running;
    }
  });

  void it('on shutdown drains, flushes the partial batch, acks it and closes everything', async () => {
    const source = new MemorySource({ messages: numberedMessages(3), finite: false });
    const sink = new MemorySink();
    const controller = new AbortController();
    const running = runPipeline(options(source, bind('main', sink, 100, 60_000), { signal: controller.signal }));
    await waitFor(() => source.delivered === 3, { what: 'three messages read' });
    assert.equal(sink.writeCalls, 0, 'the batch is neither full nor old');
    controller.abort();
    const summary = await running;
    assert.deepEqual(sink.batches.map((b) => b.length), [3]);
    assert.deepEqual(source.ackedOffsets(), ['1', '2', '3']);
    assert.equal(summary.committed, 3);
    assert.equal(summary.uncommitted, 0);
    assert.ok(source.isClosed && sink.isClosed);
  });

  void it('gives up writing after the shutdown deadline and still resolves, leaving the rest uncommitted', async () => {
    const source = new MemorySource({ messages: numberedMessages(2), finite: false });
    const sink = new MemorySink({ failWrites: Number.MAX_SAFE_INTEGER });
    const controller = new AbortController();
    const slowRetries: RetryEnv = { random: () => 0.5, sleep: (ms, signal) => waitOrAbort(Math.min(ms, 10), signal) };
    const running = runPipeline(
      options(source, bind('main', sink, 100, 60_000), { signal: controller.signal, shutdownTimeoutMs: 100, retryEnv: slowRetries }),
    );
    await waitFor(() => source.delivered === 2);
    controller.abort();
    const summary = await running;
    assert.equal(summary.committed, 0);
    assert.equal(summary.uncommitted, 2);
    assert.deepEqual(source.acked, []);
    assert.ok(source.isClosed && sink.isClosed);
  });

  void it('passes a 10 MB message through to a file', async () => {
    const big = { blob: 'x'.repeat(10 * 1024 * 1024) };
    const path = join(dir, 'big.ndjson');
    const sink = new FileSink({ path });
    const summary = await runPipeline(options(new MemorySource({ messages: [makeMessage(big)] }), bind('main', sink)));
    assert.equal(summary.committed, 1);
    assert.equal(await readFile(path, 'utf8'), JSON.stringify(big) + '\n');
  });

  void it('copies an invalid UTF-8 line from a file source to a file sink unchanged', async () => {
    const input = join(dir, 'in.ndjson');
    const output = join(dir, 'out.ndjson');
    const bytes = Buffer.concat([Buffer.from('{"ok":1}\n'), Buffer.from([0x6e, 0x6f, 0x74, 0x20, 0xc3, 0x28, 0xff, 0x0a]), Buffer.from('{"ok":2}\n')]);
    await writeFile(input, bytes);
    const passThrough: BuiltTransform = { type: 'pass', apply: (m) => [m] };
    const summary = await runPipeline(
      options(new FileSource({ path: input, follow: false }), bind('main', new FileSink({ path: output })), { transforms: [passThrough], sourceType: 'file' }),
    );
    assert.equal(summary.committed, 3);
    assert.deepEqual(await readFile(output), bytes);
  });

  void it('resolves at once with an empty summary when aborted before start', async () => {
    const source = new MemorySource({ messages: numberedMessages(3), failOpens: 100 });
    const summary = await runPipeline(options(source, bind('main', new MemorySink()), { signal: AbortSignal.abort() }));
    assert.equal(summary.read, 0);
  });
});

void describe('buildFlow', () => {
  void it('builds a generator → router → file flow with an error sink from a spec and runs it', async () => {
    const main = join(dir, 'flow-main.ndjson');
    const high = join(dir, 'flow-high.ndjson');
    const errors = join(dir, 'flow-errors.ndjson');
    const plan = buildFlow(
      {
        source: { type: 'generator', config: { count: 50, seed: 3, template: { id: '{{seq}}', amount: '{{randomInt:1:100}}' } } },
        transformations: [
          { type: 'router', config: { routes: [{ name: 'high', condition: 'amount > 50', sink: { type: 'file', config: { path: high } } }] } },
        ],
        sink: { type: 'file', config: { path: main } },
        errors: { type: 'file', config: { path: errors } },
      } as never,
      testContext(),
      builtinRegistry(),
    );
    assert.deepEqual(plan.routes.map((r) => r.name), ['high']);
    assert.equal(plan.errors?.name, 'errors');
    assert.deepEqual(plan.main.batch, { maxSize: 500, maxAgeMs: 1000 });
    assert.equal(plan.channelBufferSize, 100);
    const summary = await runPipeline({ ...plan, retryEnv: instantRetries });
    const count = async (path: string): Promise<number> => (await readFile(path, 'utf8')).split('\n').filter(Boolean).length;
    assert.equal((await count(main)) + (await count(high)), 50);
    assert.ok((await count(high)) > 0 && (await count(main)) > 0);
    assert.equal(summary.committed, 50);
  });

  void it('rejects an unknown connector type with the known ones', () => {
    assert.throws(
      () => buildFlow({ source: { type: 'kafkaa', config: {} }, sink: { type: 'stdout', config: {} } } as never, testContext(), builtinRegistry()),
      /unknown source type 'kafkaa' \(known: .*file, generator/,
    );
  });
});

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
