// SQL identifiers. Every identifier the connectors put into SQL text goes through quoteIdent, so a
// name is always taken literally: case is kept, and spaces, dots, dashes or quotes in it cannot
// change the statement. Values never go into SQL text: they are parameters or COPY data.

/** A table name, optionally qualified by its schema. Both parts are literal (unquoted) names. */
export interface QualifiedName {
  readonly schema?: string;
  readonly name: string;
}

/** `"name"` with every `"` doubled. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new Error(`identifier ${JSON.stringify(name)} contains a NUL character`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`, or `"name"` when no schema is given (PostgreSQL then resolves it by search_path). */
export function quoteQualified(table: QualifiedName): string {
  return table.schema === undefined ? quoteIdent(table.name) : `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/** `schema.table` for messages and metadata (the configured spelling, unquoted). */
export function displayName(table: QualifiedName): string {
  return table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
}

/**
 * Parses `table`, `schema.table`, or either part double-quoted (`"Mixed Case"."Order-Items"`,
 * `"a.b".c`). The split is on the one dot outside quotes. Unquoted parts are taken as written — no
 * lower-casing — because the connectors quote every identifier (a config saying `Orders` means the
 * table `"Orders"`; tables created without quotes have lower-case names). Throws on an empty part,
 * more than two parts, or an unterminated quote.
 */
export function parseQualifiedName(text: string): QualifiedName {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let partWasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          current += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        current += ch;
      }
    } else if (ch === '"' && current === '' && !partWasQuoted) {
      quoted = true;
      partWasQuoted = true;
    } else if (ch === '.') {
      parts.push(checkPart(current, partWasQuoted, text));
      current = '';
      partWasQuoted = false;
    } else if (partWasQuoted) {
      throw new Error(`table name ${JSON.stringify(text)}: unexpected ${JSON.stringify(ch)} after a quoted name`);
    } else {
      current += ch;
    }
  }
  if (quoted) throw new Error(`table name ${JSON.stringify(text)}: unterminated double quote`);
  parts.push(checkPart(current, partWasQuoted, text));
  if (parts.length === 1) return { name: parts[0] as string };
  if (parts.length === 2) return { schema: parts[0] as string, name: parts[1] as string };
  throw new Error(`table name ${JSON.stringify(text)} must be table or schema.table (found ${parts.length} dot-separated parts; quote a name that contains a dot)`);
}

function checkPart(part: string, quoted: boolean, text: string): string {
  const name = quoted ? part : part.trim();
  if (name === '') throw new Error(`table name ${JSON.stringify(text)} has an empty part`);
  return name;
}

/** A comma-separated column list such as a composite conflict key `tenant_id, id` (names trimmed). */
export function parseColumnList(text: string): string[] {
  const columns = text.split(',').map((part) => part.trim());
  if (columns.some((column) => column === '')) throw new Error(`column list ${JSON.stringify(text)} has an empty entry`);
  if (new Set(columns).size !== columns.length) throw new Error(`column list ${JSON.stringify(text)} names a column twice`);
  return columns;
}
