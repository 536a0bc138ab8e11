// The generated part of a hand-written Markdown page: everything between the two marker comments
// belongs to the generator (gen-docs.ts); the prose around it is written by hand and kept as is.
export const BEGIN_MARKER = '<!-- GENERATED:BEGIN -->';
export const END_MARKER = '<!-- GENERATED:END -->';
const NOTICE = '<!-- Do not edit between these markers: `make docs` rewrites it from the code. -->';

/** The block itself, markers included, for a page that does not have one yet. */
export function generatedBlock(content: string): string {
  return `${BEGIN_MARKER}\n${NOTICE}\n\n${content.trim()}\n\n${END_MARKER}\n`;
}

/**
 * Replaces the generated block of `page` with `content`. A page without markers gets the block
 * appended; a page with a broken pair of markers is an error naming `file`.
 */
export function replaceGeneratedBlock(page: string, content: string, file: string): string {
  const begin = page.indexOf(BEGIN_MARKER);
  const end = page.indexOf(END_MARKER);
  if (begin === -1 && end === -1) return `${page.trimEnd()}\n\n${generatedBlock(content)}`;
  if (begin === -1 || end === -1 || end < begin || page.indexOf(BEGIN_MARKER, begin + 1) !== -1) {
    throw new Error(`${file}: needs exactly one ${BEGIN_MARKER} followed by one ${END_MARKER}`);
  }
  const after = page.slice(end + END_MARKER.length).replace(/^\n/, '');
  return `${page.slice(0, begin)}${generatedBlock(content)}${after}`;
}
