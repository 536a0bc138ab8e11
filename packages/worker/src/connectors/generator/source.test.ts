import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../errors.js';
import type { Message } from '../../message.js';
import { GeneratorSource, parseGeneratorSourceConfig } from './source.js';
import type { GeneratorClock } from './source.js';

const live = new AbortController().signal;

async function generate(config: Record<string, unknown>, max = 100, clock?: GeneratorClock): Promise<Message[]> {
  const source = new GeneratorSource(parseGeneratorSourceConfig(config), clock);
  await source.open(live);
  const out: Message[] = [];
  while (!source.done()) out.push(...(await source.read(max, live)));
  await source.close();
  return out;
}

void describe('generator source', () => {
  void it('emits count messages numbered from 1, then is done', async () => {
    const messages = await generate({ count: 5, template: { id: '{{seq}}' } }, 2);
    assert.deepEqual(
      messages.map((m) => m.value),
      [1, 2, 3, 4, 5].map((id) => ({ id })),
    );
    assert.deepEqual(
      messages.map((m) => m.position),
      [1, 2, 3, 4, 5].map((n) => ({ partition: 'generator', offset: String(n) })),
    );
  });

  void it('makes whole-string numeric placeholders numbers and embedded ones text', async () => {
    const [message] = await generate({
      count: 1,
      seed: 7,
      template: { n: '{{randomInt:5:5}}', f: '{{randomFloat:1:2}}', label: 'user-{{seq}}', c: '{{randomChoice:a|b}}', nested: [{ s: '{{seq}}' }], k: true },
    });
    const value = message?.value as Record<string, unknown>;
    assert.equal(value['n'], 5);
    assert.equal(typeof value['f'], 'number');
    assert.ok((value['f'] as number) >= 1 && (value['f'] as number) < 2);
    assert.equal(value['label'], 'user-1');
    assert.ok(value['c'] === 'a' || value['c'] === 'b');
    assert.deepEqual(value['nested'], [{ s: 1 }]);
    assert.equal(value['k'], true);
  });

  void it('is reproducible with a seed, including {{uuid}}', async () => {
    const config = { count: 20, seed: 42, template: { r: '{{randomInt:0:1000000}}', u: '{{uuid}}', x: 'v{{randomFloat:0:1}}' } };
    const first = (await generate(config)).map((m) => m.value);
    const second = (await generate(config)).map((m) => m.value);
    assert.deepEqual(first, second);
    const other = (await generate({ ...config, seed: 43 })).map((m) => m.value);
    assert.notDeepEqual(first, other);
    assert.match((first[0] as { u: string }).u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  void it('builds a fresh value object per message', async () => {
    const [a, b] = await generate({ count: 2, template: { inner: { fixed: 1 } } });
    assert.notEqual((a?.value as { inner: object }).inner, (b?.value as { inner: object }).inner);
  });

  void it('paces reads with a token bucket', async () => {
    let now = 0;
    const slept: number[] = [];
    const clock: GeneratorClock = { now: () => now, sleep: (ms) => ((now += ms), slept.push(ms), Promise.resolve()) };
    const source = new GeneratorSource(parseGeneratorSourceConfig({ ratePerSecond: 10, template: { a: 1 } }), clock);
    await source.open(live);
    assert.equal((await source.read(100, live)).length, 1, 'starts with one token');
    assert.equal((await source.read(100, live)).length, 1, 'then waits for the next token');
    assert.deepEqual(slept, [100]);
    now += 1000;
    assert.equal((await source.read(100, live)).length, 10, 'a second of tokens at most');
    assert.equal(source.done(), false, 'count absent = unbounded');
  });

  void it('returns [] on abort', async () => {
    const source = new GeneratorSource(parseGeneratorSourceConfig({ template: { a: 1 } }));
    await source.open(live);
    assert.deepEqual(await source.read(10, AbortSignal.abort()), []);
  });

  void it('rejects bad configs naming the field', () => {
    assert.throws(() => parseGeneratorSourceConfig({ template: { a: '{{randomInt:9:1}}' } }), (e: unknown) => e instanceof ConfigError && /config\.template\.a: .*min greater than max/.test(e.message));
    assert.throws(() => parseGeneratorSourceConfig({ template: { a: 1 }, ratePerSecond: 0 }), /config\.ratePerSecond must be greater than 0/);
    assert.throws(() => parseGeneratorSourceConfig({ count: 3 }), /config\.template must be an object/);
  });
});
