// The examples of docs/transforms.md are tests: every ```yaml block with an `input` is run through
// buildTransformChain and must produce exactly its documented `output` (and `routes`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TRANSFORM_TYPES } from '@dataflow/api';
import { parse } from 'yaml';
import type { Message, MetaValue, Payload } from '../message.js';
import { applyChain, buildTransformChain } from './index.js';
import type { TransformSpecLike } from './index.js';
import { message } from './test-support.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'docs', 'transforms.md');
const CLOCK = new Date('2024-05-01T10:00:00.000Z');

interface Example {
  readonly heading: string;
  readonly transformations: TransformSpecLike[];
  readonly input: Payload[];
  readonly output: Payload[];
  readonly headers?: Record<string, string>;
  readonly meta?: Record<string, MetaValue>;
  readonly routes?: Array<string | null>;
}

/** The YAML examples of the page, each with the `##` heading it sits under. */
function examples(markdown: string): Example[] {
  const found: Example[] = [];
  let heading = '(top)';
  const blocks = /^## (.+)$|^```yaml\n([^]*?)^```$/gm;
  for (const match of markdown.matchAll(blocks)) {
    if (match[1] !== undefined) {
      heading = match[1];
      continue;
    }
    let block: Record<string, unknown> | null;
    try {
      block = parse(match[2] ?? '') as Record<string, unknown> | null;
    } catch (error) {
      throw new Error(`docs/transforms.md, section "${heading}": invalid YAML example`, { cause: error });
    }
    if (block === null || !('input' in block)) continue;
    assert.ok(Array.isArray(block['transformations']), `${heading}: example needs a transformations list`);
    assert.ok(Array.isArray(block['input']) && Array.isArray(block['output']), `${heading}: example needs input and output lists`);
    found.push({ heading, ...(block as Omit<Example, 'heading'>) });
  }
  return found;
}

function run(example: Example): Message[] {
  const chain = buildTransformChain(example.transformations, { now: () => CLOCK });
  const extra: Partial<Omit<Message, 'value'>> = {};
  if (example.headers !== undefined) extra.headers = example.headers;
  if (example.meta !== undefined) extra.meta = example.meta;
  return applyChain(
    chain,
    example.input.map((value) => message(value, extra)),
  );
}

const documented = examples(readFileSync(DOC, 'utf8'));

void describe('docs/transforms.md examples', () => {
  void it('has an example for every transformation type', () => {
    const covered = new Set(documented.flatMap((e) => e.transformations.map((t) => t.type)));
    assert.deepEqual(
      TRANSFORM_TYPES.filter((type) => !covered.has(type)),
      [],
    );
  });

  for (const example of documented) {
    void it(`${example.heading}: output is as documented`, () => {
      const out = run(example);
      assert.deepEqual(
        out.map((m) => m.value),
        example.output,
      );
      if (example.routes !== undefined) {
        assert.deepEqual(
          out.map((m) => m.route ?? null),
          example.routes,
        );
      }
    });
  }
});
