// Reading DataFlow manifests: YAML or JSON, several documents per file, and telling DataFlows,
// bare specs and other kinds (Secrets next to the flow that uses them) apart.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

/** The file could not be read or parsed at all (exit code 2, unlike invalid content). */
export class UnreadableFileError extends Error {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'UnreadableFileError';
    this.file = file;
  }
}

export type ManifestDocument =
  | { kind: 'dataflow'; index: number; label: string; value: Record<string, unknown> }
  | { kind: 'spec'; index: number; label: string; value: Record<string, unknown> }
  | { kind: 'other'; index: number; label: string; value: unknown }
  | { kind: 'invalid'; index: number; label: string; value: unknown; reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(doc: Record<string, unknown>, index: number): string {
  const metadata = doc['metadata'];
  const name = isObject(metadata) ? metadata['name'] : undefined;
  return typeof name === 'string' && name !== '' ? name : `<unnamed document ${index + 1}>`;
}

/** A spec without apiVersion/kind (what `dataflow normalize` prints for a bare spec, or a test fixture). */
function looksLikeBareSpec(doc: Record<string, unknown>): boolean {
  return doc['apiVersion'] === undefined && doc['kind'] === undefined && (doc['source'] !== undefined || doc['sink'] !== undefined);
}

export function classify(value: unknown, index: number): ManifestDocument {
  if (!isObject(value)) {
    return { kind: 'invalid', index, label: `document ${index + 1}`, value, reason: 'is not an object (expected a Kubernetes manifest or a DataFlow spec)' };
  }
  if (looksLikeBareSpec(value)) return { kind: 'spec', index, label: 'spec', value };
  const kind = value['kind'];
  if (kind === 'DataFlow') return { kind: 'dataflow', index, label: `DataFlow/${nameOf(value, index)}`, value };
  if (typeof kind === 'string' && kind !== '') return { kind: 'other', index, label: `${kind}/${nameOf(value, index)}`, value };
  return { kind: 'invalid', index, label: `document ${index + 1}`, value, reason: 'has no kind and is not a DataFlow spec (no source or sink)' };
}

/** Parses every non-empty document of a YAML (or JSON) text; throws UnreadableFileError on syntax errors. */
export function parseManifests(text: string, file: string): ManifestDocument[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: ManifestDocument[] = [];
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error !== undefined) throw new UnreadableFileError(file, `not valid YAML or JSON: ${error.message}`);
    if (doc.contents === null) continue; // an empty document, e.g. after a trailing ---
    out.push(classify(doc.toJS({ maxAliasCount: 100 }), out.length));
  }
  return out;
}

export async function readManifests(file: string): Promise<ManifestDocument[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UnreadableFileError(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${(err as Error).message}`);
  }
  return parseManifests(text, file);
}
