// Resolves SecretRefs outside the API server: the config only names `{ name, key }`; the value comes
// from a mounted Secret volume (`<secretsDir>/<name>/<key>`, the layout Kubernetes gives a Secret
// mounted at `<secretsDir>/<name>`) or from the environment (`DATAFLOW_SECRET_<NAME>_<KEY>`, for
// `secretKeyRef` env and local runs). File contents are used exactly as stored: Kubernetes adds no
// trailing newline, so none is stripped.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretReader } from '../plugin.js';

export interface LocalSecretReaderOptions {
  /** Directory holding one folder per Secret; omitted = environment only. */
  readonly secretsDir?: string;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** `DATAFLOW_SECRET_<NAME>_<KEY>`: upper-cased, every character other than A-Z and 0-9 becomes `_`. */
export function secretEnvName(ref: { name: string; key: string }): string {
  const part = (text: string): string => text.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return `DATAFLOW_SECRET_${part(ref.name)}_${part(ref.key)}`;
}

/** A Secret name or key used as a path segment must not climb out of the secrets directory. */
function isSafeSegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..' && !segment.includes('/') && !segment.includes('\\') && !segment.includes('\0');
}

export class LocalSecretReader implements SecretReader {
  private readonly secretsDir: string | undefined;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(options: LocalSecretReaderOptions = {}) {
    this.secretsDir = options.secretsDir;
    this.env = options.env ?? process.env;
  }

  async read(ref: { name: string; key: string }): Promise<string> {
    const tried: string[] = [];
    if (this.secretsDir !== undefined) {
      if (!isSafeSegment(ref.name) || !isSafeSegment(ref.key)) {
        throw new Error(`secret ${ref.name}/${ref.key}: name and key must be plain names (no "/", "." or "..")`);
      }
      const file = join(this.secretsDir, ref.name, ref.key);
      try {
        return await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          throw new Error(`secret ${ref.name}/${ref.key}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
        }
        tried.push(`file ${file}`);
      }
    }
    const variable = secretEnvName(ref);
    const value = this.env[variable];
    if (value !== undefined) return value;
    tried.push(`env ${variable}`);
    // The message names where the value was looked for, never a value.
    throw new Error(`secret ${ref.name}/${ref.key} not found (looked in ${tried.join(' and ')})`);
  }
}
