// `dataflow preview <flow> --input <ndjson file|->`: shows what the flow's transformations do to each
// input line, step by step, and where each message would go. No connector is created or opened:
// sinks are not touched. Non-JSON lines travel as raw bytes, exactly as a source would deliver them.
// Exit 0: every line was previewed (filtered and failed records included); 1: invalid flow;
// 2: unreadable flow or input.
import { readFile } from 'node:fs/promises';
import { ConfigError, buildTransformChain, decodePayload } from '@dataflow/worker';
import type { BuiltTransform, Message } from '@dataflow/worker';
import type { Argv, CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';
import { FlowFileError, loadFlow } from '../flow-file.js';
import type { LoadedFlow } from '../flow-file.js';
import { routeSinkTypes, showPayload, traceMessage } from '../preview-trace.js';
import type { PreviewOutcome, PreviewOutputs, PreviewStep, PreviewTrace, ShownPayload } from '../preview-trace.js';

interface PreviewArgs {
  file: string;
  input: string;
  json: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

async function readInput(input: string): Promise<Buffer> {
  if (input !== '-') return readFile(input);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Non-blank lines with their 1-based line numbers (blank lines are skipped, as the file source does). */
export function splitLines(bytes: Buffer): { line: number; bytes: Buffer }[] {
  const lines: { line: number; bytes: Buffer }[] = [];
  let start = 0;
  let number = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    number++;
    let line = bytes.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    if (line.toString('utf8').trim() !== '') lines.push({ line: number, bytes: line });
    start = end + 1;
  }
  return lines;
}

function inputMessage(source: string, line: number, bytes: Buffer): Message {
  const offset = String(line);
  return {
    id: `${source}@${offset}`,
    position: { partition: source, offset },
    timestamp: new Date(),
    key: null,
    value: decodePayload(bytes),
    headers: {},
    meta: { file: source, line },
  };
}

// ---- text rendering ----------------------------------------------------------------------------

function shownText(payload: ShownPayload): string {
  return 'json' in payload ? JSON.stringify(payload.json) : `${payload.raw} (not JSON)`;
}

function stageLabel(stage: string): string {
  const transform = /^transform:(\d+):(.+)$/.exec(stage);
  return transform === null ? stage : `transform[${transform[1]}] ${transform[2]}`;
}

function renderTrace(trace: PreviewTrace, errorSink: string | undefined, indent: string, out: string[]): void {
  for (const step of trace.steps) out.push(`${indent}transform[${step.index}] ${step.type}: ${shownText(step.payload)}`);
  const { outcome } = trace;
  switch (outcome.kind) {
    case 'routed':
      out.push(`${indent}→ ${outcome.output} (${outcome.sinkType})`);
      return;
    case 'filtered':
      out.push(`${indent}filtered by transform[${outcome.index}] ${outcome.type}`);
      return;
    case 'failed': {
      const next = errorSink === undefined ? ' (no error sink: the flow would stop here)' : ` → errors (${errorSink})`;
      out.push(`${indent}✗ ${stageLabel(outcome.stage)}: ${outcome.error}${next}`);
      return;
    }
    case 'split':
      out.push(`${indent}transform[${outcome.index}] ${outcome.type}: ${outcome.children.length} messages`);
      outcome.children.forEach((child, k) => {
        out.push(`${indent}  [${k + 1}]`);
        renderTrace(child, errorSink, `${indent}      `, out);
      });
      return;
  }
}

// ---- JSON rendering ----------------------------------------------------------------------------

function shownJson(payload: ShownPayload): Record<string, unknown> {
  return 'json' in payload ? { payload: payload.json } : { raw: payload.raw };
}

function stepJson(step: PreviewStep): Record<string, unknown> {
  return { transform: step.index, type: step.type, ...shownJson(step.payload) };
}

function outcomeJson(outcome: PreviewOutcome, errorSink: string | undefined): Record<string, unknown> {
  switch (outcome.kind) {
    case 'routed':
      return { kind: 'routed', output: outcome.output, sinkType: outcome.sinkType };
    case 'filtered':
      return { kind: 'filtered', transform: outcome.index, type: outcome.type };
    case 'failed':
      return { kind: 'failed', stage: outcome.stage, error: outcome.error, deadLetteredTo: errorSink === undefined ? null : 'errors' };
    case 'split':
      return { kind: 'split', transform: outcome.index, type: outcome.type, children: outcome.children.map((c) => traceJson(c, errorSink)) };
  }
}

function traceJson(trace: PreviewTrace, errorSink: string | undefined): Record<string, unknown> {
  return { steps: trace.steps.map(stepJson), outcome: outcomeJson(trace.outcome, errorSink) };
}

// ---- command -----------------------------------------------------------------------------------

export async function previewFlowFile(args: PreviewArgs): Promise<number> {
  let loaded: LoadedFlow;
  try {
    loaded = await loadFlow(args.file);
  } catch (error) {
    if (!(error instanceof FlowFileError)) throw error;
    for (const line of error.lines) console.error(line);
    return error.exitCode;
  }
  let chain: BuiltTransform[];
  try {
    chain = buildTransformChain(loaded.spec.transformations ?? []);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${args.file}: ${error.message}`);
    return EXIT.invalid;
  }
  let bytes: Buffer;
  try {
    bytes = await readInput(args.input);
  } catch (error) {
    console.error(`${args.input}: cannot read: ${(error as Error).message}`);
    return EXIT.unreadable;
  }

  const outputs: PreviewOutputs = { main: loaded.spec.sink.type, routes: routeSinkTypes(chain) };
  const errorSink = loaded.spec.errors?.type;
  const source = args.input === '-' ? 'stdin' : args.input;
  const out: string[] = [];
  for (const { line, bytes: lineBytes } of splitLines(bytes)) {
    const message = inputMessage(source, line, lineBytes);
    const input = showPayload(message.value);
    const trace = traceMessage(chain, message, outputs);
    if (args.json) {
      out.push(JSON.stringify({ line, ...shownJson(input), ...traceJson(trace, errorSink) }));
    } else {
      out.push(`line ${line}: ${shownText(input)}`);
      renderTrace(trace, errorSink, '  ', out);
    }
  }
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  else if (!args.json) console.error(`${args.input}: no input lines`);
  return EXIT.ok;
}

export const previewCommand: CommandModule<object, PreviewArgs> = {
  command: 'preview <file>',
  describe: 'Show what the transformations do to each NDJSON input line and where it would go (sinks are not touched)',
  builder: (yargs: Argv) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'DataFlow manifest or bare spec (YAML or JSON)' })
      // nargs 1: without it yargs reads a lone `-` as another positional, not as the value.
      .option('input', { alias: 'i', type: 'string', nargs: 1, demandOption: true, describe: 'NDJSON file, or - for stdin' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON object per input message instead of text' }),
  handler: async (argv) => {
    process.exitCode = await previewFlowFile(argv);
  },
};
