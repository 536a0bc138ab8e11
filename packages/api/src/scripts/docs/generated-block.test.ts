import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEGIN_MARKER, END_MARKER, replaceGeneratedBlock } from './generated-block.js';

void describe('replaceGeneratedBlock', () => {
  void it('replaces only the text between the markers and keeps the prose around them', () => {
    const page = `# Title\n\nIntro.\n\n${BEGIN_MARKER}\nold table\n${END_MARKER}\n\nOutro.\n`;
    const out = replaceGeneratedBlock(page, 'new table', 'page.md');
    assert.ok(out.startsWith('# Title\n\nIntro.\n\n'));
    assert.ok(out.endsWith(`new table\n\n${END_MARKER}\n\nOutro.\n`));
    assert.ok(!out.includes('old table'));
    assert.equal(replaceGeneratedBlock(out, 'new table', 'page.md'), out, 'stable when nothing changed');
  });

  void it('appends a block to a page that has none', () => {
    const out = replaceGeneratedBlock('# Title\n', 'table', 'page.md');
    assert.match(out, new RegExp(`^# Title\\n\\n${BEGIN_MARKER}\\n[^]*table\\n\\n${END_MARKER}\\n$`));
  });

  void it('names the file when the markers are broken', () => {
    assert.throws(() => replaceGeneratedBlock(`${END_MARKER}\n${BEGIN_MARKER}\n`, 'x', 'docs/a.md'), /docs\/a\.md: needs exactly one/);
    assert.throws(() => replaceGeneratedBlock(`${BEGIN_MARKER}\n`, 'x', 'docs/b.md'), /docs\/b\.md/);
    assert.throws(() => replaceGeneratedBlock(`${BEGIN_MARKER}${BEGIN_MARKER}${END_MARKER}`, 'x', 'docs/c.md'), /docs\/c\.md/);
  });
});
