// COPY … FROM STDIN in PostgreSQL's text format through pg-copy-streams: one round trip for a whole
// group of rows. Fields are tab-separated, rows newline-terminated, NULL is \N, and a backslash,
// tab, newline or carriage return inside a value is written as \\, \t, \n, \r — every other
// character, including other control characters and any Unicode, goes through unchanged.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { QualifiedName } from './sql.js';
import { quoteIdent, quoteQualified } from './sql.js';

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const CHUNK_CHARS = 256 * 1024;

/** One field in COPY text format. */
export function copyField(text: string | null): string {
  if (text === null) return '\\N';
  return NEEDS_ESCAPE.test(text) ? text.replace(/[\\\t\n\r]/g, (ch) => ESCAPES[ch] as string) : text;
}

/** One row in COPY text format, without its newline. */
export function copyLine(values: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += copyField(values[i] as string | null);
  }
  return line;
}

/** The COPY data for rows already in COPY text format (copyLine), in chunks of about 256 KiB. */
export function copyLineChunks(lines: Iterable<string>): Buffer[] {
  const chunks: Buffer[] = [];
  let pending = '';
  for (const line of lines) {
    pending += line + '\n';
    if (pending.length >= CHUNK_CHARS) {
      chunks.push(Buffer.from(pending, 'utf8'));
      pending = '';
    }
  }
  if (pending !== '') chunks.push(Buffer.from(pending, 'utf8'));
  return chunks;
}

/** The COPY data for `rows` of values, in chunks of about 256 KiB. */
export function copyChunks(rows: Iterable<readonly (string | null)[]>): Buffer[] {
  const lines: string[] = [];
  for (const row of rows) lines.push(copyLine(row));
  return copyLineChunks(lines);
}

export function copyStatement(table: QualifiedName, columns: readonly string[]): string {
  return `COPY ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
}

/**
 * Streams rows in COPY text format (copyLine) into the table; rejects with the server's error
 * (SQLSTATE kept) if any row is refused.
 */
export async function copyLines(client: ClientBase, table: QualifiedName, columns: readonly string[], lines: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(copyStatement(table, columns)));
  await pipeline(Readable.from(copyLineChunks(lines)), stream);
}
