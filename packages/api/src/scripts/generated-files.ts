// Write-or-check of generated files, shared by every generator (CRD, docs, deploy manifests).
// Node-only, so it is exported under the `@dataflow/api/generated-files` subpath, never from the
// runtime-neutral package index.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from a script compiled to `packages/<pkg>/dist/scripts/<name>.js`. */
export function repoRootFrom(scriptUrl: string): string {
  return join(dirname(fileURLToPath(scriptUrl)), '..', '..', '..', '..');
}

/** A file's text, or '' when it does not exist (yet). */
export function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface GeneratedFilesRun {
  readonly root: string;
  /** Absolute path → wanted content. */
  readonly outputs: Iterable<readonly [string, string]>;
  /** What the files are, for messages: "generated manifests". */
  readonly what: string;
  /** The command that regenerates them, for the stale message. */
  readonly regenerate: string;
  /** true: write nothing, exit 1 listing the files that differ. */
  readonly check: boolean;
}

/** Writes (or, with `check`, compares) every output; returns the process exit code. */
export function syncGeneratedFiles(run: GeneratedFilesRun): number {
  const drifted: string[] = [];
  for (const [file, content] of run.outputs) {
    if (readOrEmpty(file) === content) continue;
    drifted.push(relative(run.root, file));
    if (!run.check) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  if (run.check) {
    if (drifted.length === 0) {
      console.log(`${run.what} are up to date`);
      return 0;
    }
    console.error(`${run.what} are stale (run \`${run.regenerate}\`):\n${drifted.map((f) => `  ${f}`).join('\n')}`);
    return 1;
  }
  console.log(drifted.length === 0 ? `${run.what} unchanged` : `wrote ${drifted.join(', ')}`);
  return 0;
}

/** True when the module at `scriptUrl` is the process's entry script (not imported by a test). */
export function isEntryScript(scriptUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(scriptUrl) === process.argv[1];
}
