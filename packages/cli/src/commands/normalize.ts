// `dataflow normalize <file>`: rewrites the legacy nested shape (`source: { type: kafka, kafka: {…} }`)
// to the canonical `{ type, config }` and prints YAML on stdout. Other documents (Secrets …) are
// printed unchanged. Defaults are applied only with --defaults (then the flow must be valid).
// Comments of the input are not preserved.
import { applyDefaults, normalizeDataFlow, normalizeSpec, validateDataFlow, validateSpec } from '@dataflow/api';
import type { SpecIssue } from '@dataflow/api';
import type { Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { UnreadableFileError, readManifests } from '../documents.js';
import type { ManifestDocument } from '../documents.js';
import { EXIT } from '../exit-codes.js';

interface NormalizeArgs {
  file: string;
  defaults: boolean;
}

type Outcome = { value: unknown; issues: SpecIssue[] };

function normalizeDocument(doc: ManifestDocument, withDefaults: boolean): Outcome {
  switch (doc.kind) {
    case 'other':
      return { value: doc.value, issues: [] };
    case 'invalid':
      return { value: doc.value, issues: [{ path: '', message: doc.reason }] };
    case 'spec': {
      if (!withDefaults) {
        const n = normalizeSpec(doc.value);
        return { value: n.value, issues: n.issues };
      }
      const result = validateSpec(doc.value);
      return result.ok ? { value: applyDefaults(result.spec), issues: [] } : { value: doc.value, issues: result.issues };
    }
    case 'dataflow': {
      if (!withDefaults) {
        const n = normalizeDataFlow(doc.value);
        return { value: n.value, issues: n.issues };
      }
      const result = validateDataFlow(doc.value);
      if (!result.ok) return { value: doc.value, issues: result.issues };
      const { metadata } = result.flow;
      const flow = { namespace: metadata.namespace ?? 'default', name: metadata.name ?? '' };
      return { value: { ...result.flow, spec: applyDefaults(result.flow.spec, flow) }, issues: [] };
    }
  }
}

export async function normalizeFile(file: string, withDefaults: boolean): Promise<number> {
  let docs: ManifestDocument[];
  try {
    docs = await readManifests(file);
  } catch (err) {
    if (!(err instanceof UnreadableFileError)) throw err;
    console.error(err.message);
    return EXIT.unreadable;
  }
  const rendered: string[] = [];
  let exit: number = EXIT.ok;
  for (const doc of docs) {
    const { value, issues } = normalizeDocument(doc, withDefaults);
    for (const issue of issues) console.error(`${file}: ${doc.label}: ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`);
    if (issues.length > 0) exit = EXIT.invalid;
    rendered.push(stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }));
  }
  if (exit === EXIT.ok) process.stdout.write(rendered.join('---\n'));
  return exit;
}

export const normalizeCommand: CommandModule<object, NormalizeArgs> = {
  command: 'normalize <file>',
  describe: 'Print a manifest with the legacy nested shape rewritten to { type, config } (YAML on stdout)',
  builder: (yargs: Argv) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'YAML or JSON file' })
      .option('defaults', { type: 'boolean', default: false, describe: 'Also apply every default (the flow must be valid)' }),
  handler: async (argv) => {
    process.exitCode = await normalizeFile(argv.file, argv.defaults);
  },
};
