// `dataflow validate <files..>`: every DataFlow (or bare spec) in the files, checked with the same
// validateSpec the controller and the worker run. Prints one line per document and every issue with
// its field path. Exit 0: all valid; 1: an issue somewhere; 2: a file could not be read or parsed.
import { normalizeSpec, validateDataFlow, validateSpec } from '@dataflow/api';
import type { SpecIssue } from '@dataflow/api';
import type { Argv, CommandModule } from 'yargs';
import { UnreadableFileError, readManifests } from '../documents.js';
import type { ManifestDocument } from '../documents.js';
import { EXIT } from '../exit-codes.js';

interface ValidateArgs {
  files: string[];
  namespace: string | undefined;
}

function issuesOf(doc: ManifestDocument, namespace: string | undefined): SpecIssue[] | undefined {
  switch (doc.kind) {
    case 'dataflow': {
      const metadata = doc.value['metadata'];
      // Fill in the namespace kubectl would use, so SecretRef namespaces are checked against it.
      const value =
        namespace !== undefined && typeof metadata === 'object' && metadata !== null && !('namespace' in metadata)
          ? { ...doc.value, metadata: { ...metadata, namespace } }
          : doc.value;
      const result = validateDataFlow(value);
      return result.ok ? [] : result.issues;
    }
    case 'spec': {
      const result = validateSpec(doc.value, namespace === undefined ? {} : { namespace });
      return result.ok ? [] : result.issues;
    }
    case 'invalid':
      return [{ path: '', message: doc.reason }];
    case 'other':
      return undefined;
  }
}

/** Valid, but written in the legacy nested shape: say where, and how to rewrite it. */
function legacyNote(doc: ManifestDocument): string {
  const spec = doc.kind === 'dataflow' ? doc.value['spec'] : doc.kind === 'spec' ? doc.value : undefined;
  const { legacyPaths } = normalizeSpec(spec);
  return legacyPaths.length === 0 ? '' : ` (legacy nested shape at ${legacyPaths.join(', ')}; \`dataflow normalize\` rewrites it)`;
}

export async function validateFiles(files: readonly string[], namespace: string | undefined): Promise<number> {
  let exit: number = EXIT.ok;
  for (const file of files) {
    let docs: ManifestDocument[];
    try {
      docs = await readManifests(file);
    } catch (err) {
      if (!(err instanceof UnreadableFileError)) throw err;
      console.error(err.message);
      exit = EXIT.unreadable;
      continue;
    }
    if (docs.length === 0) console.log(`${file}: no documents`);
    for (const doc of docs) {
      const issues = issuesOf(doc, namespace);
      if (issues === undefined) {
        console.log(`${file}: ${doc.label}: skipped (not a DataFlow)`);
      } else if (issues.length === 0) {
        console.log(`${file}: ${doc.label}: OK${legacyNote(doc)}`);
      } else {
        console.log(`${file}: ${doc.label}: ${issues.length} issue${issues.length === 1 ? '' : 's'}`);
        for (const issue of issues) console.log(`  ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`);
        if (exit === EXIT.ok) exit = EXIT.invalid;
      }
    }
  }
  return exit;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <files..>',
  describe: 'Validate DataFlow manifests (YAML or JSON, several documents per file; other kinds are skipped)',
  builder: (yargs: Argv) =>
    yargs
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Files to check' })
      .option('namespace', {
        alias: 'n',
        type: 'string',
        describe: 'Namespace assumed for documents without metadata.namespace (SecretRefs must stay in it)',
      }),
  handler: async (argv) => {
    process.exitCode = await validateFiles(argv.files, argv.namespace);
  },
};
