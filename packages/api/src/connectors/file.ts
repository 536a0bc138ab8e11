// Local file source and sink for demos, tests and benchmarks: NDJSON, one message per line.
import { bool, obj, str } from '../json-schema.js';
import type { JsonSchema } from '../json-schema.js';
import type { ConfigCheck } from './rules.js';

export const FILE_FORMATS = ['json'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface FileSourceConfig {
  path: string;
  follow?: boolean;
  format?: FileFormat;
}

export interface FileSinkConfig {
  path: string;
}

export const fileSourceSchema: JsonSchema = obj(
  'Reads a local NDJSON file, one message per line (the line number is the position). For demos, tests and benchmarks.',
  {
    path: str('Path of the file, inside the worker pod or relative to the working directory of `dataflow run`.', { minLength: 1 }),
    follow: bool('Keep reading lines appended to the file, like tail -f. false: the flow ends after the last line.', { default: false }),
    format: str('Line format; json: each line is one JSON value.', { enum: FILE_FORMATS, default: 'json' }),
  },
  ['path'],
);

export const fileSinkSchema: JsonSchema = obj(
  'Appends each message as one line of JSON (NDJSON) to a local file, created if missing. For demos, tests and benchmarks.',
  {
    path: str('Path of the file, inside the worker pod or relative to the working directory of `dataflow run`.', { minLength: 1 }),
  },
  ['path'],
);

function checkPath(c: ConfigCheck): void {
  if (c.string('path')?.includes('\u0000')) c.report('path', 'must not contain a NUL character');
}

export function checkFileSource(c: ConfigCheck): void {
  checkPath(c);
}

export function checkFileSink(c: ConfigCheck): void {
  checkPath(c);
}
