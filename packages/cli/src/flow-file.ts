// Loads the one flow that `dataflow run` and `dataflow preview` work on: a YAML or JSON file holding
// a DataFlow (legacy nested shape accepted) or a bare spec, next to any number of other documents
// (Secrets are skipped). The flow is validated and gets every default, exactly as the operator would
// hand it to a worker: namespace from metadata, else `default`.
import { basename, extname } from 'node:path';
import { applyDefaults, validateDataFlow, validateSpec } from '@dataflow/api';
import type { DataFlowSpec, SpecIssue } from '@dataflow/api';
import { UnreadableFileError, readManifests } from './documents.js';
import type { ManifestDocument } from './documents.js';
import { EXIT } from './exit-codes.js';

export const DEFAULT_NAMESPACE = 'default';

export interface LoadedFlow {
  readonly namespace: string;
  readonly name: string;
  /** Validated, normalised, defaults applied. */
  readonly spec: DataFlowSpec;
}

/** The file cannot give one valid flow; `lines` say why, `exitCode` is 1 (invalid) or 2 (unreadable). */
export class FlowFileError extends Error {
  readonly exitCode: number;
  readonly lines: readonly string[];
  constructor(exitCode: number, lines: readonly string[]) {
    super(lines.join('\n'));
    this.name = 'FlowFileError';
    this.exitCode = exitCode;
    this.lines = lines;
  }
}

/** A bare spec has no metadata: its name comes from the file name (`my_flow.yaml` → `my-flow`). */
export function nameFromFile(file: string): string {
  const stem = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return stem === '' ? 'local' : stem;
}

function issueLines(file: string, label: string, issues: readonly SpecIssue[]): string[] {
  const count = issues.length;
  return [
    `${file}: ${label}: ${count} issue${count === 1 ? '' : 's'}`,
    ...issues.map((issue) => `  ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`),
  ];
}

function pickFlow(file: string, docs: readonly ManifestDocument[]): ManifestDocument {
  const broken = docs.find((d) => d.kind === 'invalid');
  if (broken !== undefined && broken.kind === 'invalid') throw new FlowFileError(EXIT.invalid, [`${file}: ${broken.label}: ${broken.reason}`]);
  const flows = docs.filter((d) => d.kind === 'dataflow' || d.kind === 'spec');
  const [only] = flows;
  if (only === undefined) throw new FlowFileError(EXIT.invalid, [`${file}: no DataFlow in this file`]);
  if (flows.length > 1) {
    throw new FlowFileError(EXIT.invalid, [`${file}: holds ${flows.length} flows (${flows.map((d) => d.label).join(', ')}); put the one to run in its own file`]);
  }
  return only;
}

export async function loadFlow(file: string): Promise<LoadedFlow> {
  let docs: ManifestDocument[];
  try {
    docs = await readManifests(file);
  } catch (error) {
    if (error instanceof UnreadableFileError) throw new FlowFileError(EXIT.unreadable, [error.message]);
    throw error;
  }
  const doc = pickFlow(file, docs);
  if (doc.kind === 'dataflow') {
    const result = validateDataFlow(doc.value);
    if (!result.ok) throw new FlowFileError(EXIT.invalid, issueLines(file, doc.label, result.issues));
    const { metadata } = result.flow;
    const namespace = metadata.namespace ?? DEFAULT_NAMESPACE;
    const name = metadata.name ?? nameFromFile(file);
    return { namespace, name, spec: applyDefaults(result.flow.spec, { namespace, name }) };
  }
  const result = validateSpec(doc.value, { namespace: DEFAULT_NAMESPACE });
  if (!result.ok) throw new FlowFileError(EXIT.invalid, issueLines(file, doc.label, result.issues));
  const name = nameFromFile(file);
  return { namespace: DEFAULT_NAMESPACE, name, spec: applyDefaults(result.spec, { namespace: DEFAULT_NAMESPACE, name }) };
}
