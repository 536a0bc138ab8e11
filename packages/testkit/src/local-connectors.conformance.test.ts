// The worker's local connectors (file, stdout, generator) against the conformance suites.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FileSink, FileSource, GeneratorSource, StdoutSink, parseGeneratorSourceConfig } from '@dataflow/worker';
import { sinkConformance } from './sink-conformance.js';
import { sourceConformance } from './source-conformance.js';

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'df-conformance-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function parseLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n') + '\n';

for (const follow of [false, true]) {
  sourceConformance(
    `file source (follow: ${follow})`,
    async () => {
      const { dir, cleanup } = await tempDir();
      const path = join(dir, 'in.ndjson');
      await writeFile(path, lines);
      return { source: new FileSource({ path, follow }, { pollIntervalMs: 10 }), cleanup };
    },
    { finite: !follow, expected: 10, rejectsUndeliveredAck: true },
  );
}

sourceConformance(
  'generator source (count)',
  () => ({ source: new GeneratorSource(parseGeneratorSourceConfig({ count: 10, seed: 1, template: { id: '{{seq}}' } })) }),
  { finite: true, expected: 10, rejectsUndeliveredAck: true },
);

sourceConformance(
  'generator source (unbounded, paced)',
  () => ({ source: new GeneratorSource(parseGeneratorSourceConfig({ ratePerSecond: 1000, template: { id: '{{uuid}}' } })) }),
  { finite: false, expected: 10, rejectsUndeliveredAck: true },
);

sinkConformance('file sink', async () => {
  const { dir, cleanup } = await tempDir();
  const path = join(dir, 'nested', 'out.ndjson');
  return {
    sink: new FileSink({ path }),
    written: async () => parseLines(await readFile(path, 'utf8').catch(() => '')),
    cleanup,
  };
});

sinkConformance('stdout sink (captured stream)', () => {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return {
    sink: new StdoutSink({ pretty: false }, stream),
    written: () => Promise.resolve(parseLines(Buffer.concat(chunks).toString('utf8'))),
  };
});
