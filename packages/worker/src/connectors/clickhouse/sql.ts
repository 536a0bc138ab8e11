// SQL text for ClickHouse: identifiers in backticks, values as typed escaped literals. ClickHouse
// 18.16 has no query parameters, so every value that reaches a statement goes through `typedLiteral`:
// a string literal with backslash escapes, cast to the column's own type, which the server reported.

export interface TableName {
  /** Absent: the database of the connection URL. */
  readonly database?: string;
  readonly table: string;
}

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name` in backticks; backslash and backtick escaped. */
export function quoteIdent(name: string): string {
  if (name === '') throw new Error('an identifier must not be empty');
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** `table` or `database.table`, each part a plain identifier (letters, digits, underscores). */
export function parseTableName(text: string): TableName {
  const parts = text.trim().split('.');
  if (parts.length > 2 || parts.some((part) => !PLAIN_NAME.test(part))) {
    throw new Error(`"${text}" is not a table name: use table or database.table of letters, digits and underscores`);
  }
  const [first, second] = parts as [string, string | undefined];
  return second === undefined ? { table: first } : { database: first, table: second };
}

export function quoteTable(name: TableName): string {
  return name.database === undefined ? quoteIdent(name.table) : `${quoteIdent(name.database)}.${quoteIdent(name.table)}`;
}

export function displayTable(name: TableName): string {
  return name.database === undefined ? name.table : `${name.database}.${name.table}`;
}

/** A single-quoted string literal; backslash, quote and control characters escaped. */
export function stringLiteral(value: string): string {
  let out = "'";
  for (const ch of value) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case "'": out += "\\'"; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\0': out += '\\0'; break;
      default: out += ch;
    }
  }
  return out + "'";
}

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\(.*\))?$/s;

/** `CAST('<value>' AS <type>)`: the server parses the text as the column type, so no value is ever SQL. */
export function typedLiteral(value: string | number | boolean, type: string): string {
  if (!TYPE_NAME.test(type)) throw new Error(`"${type}" is not a ClickHouse type name`);
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  return `CAST(${stringLiteral(text)} AS ${type})`;
}

/** Comma-separated column names, each trimmed and non-empty. */
export function parseColumnList(text: string): string[] {
  const columns = text.split(',').map((c) => c.trim());
  if (columns.length === 0 || columns.some((c) => c === '')) throw new Error(`"${text}" is not a comma-separated list of column names`);
  return columns;
}
