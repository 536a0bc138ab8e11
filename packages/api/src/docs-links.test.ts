// Every relative link in README.md and docs/**/*.md points at a file of the repository and, with a
// `#fragment`, at a heading of that file (GitHub's anchor rules: lower case, punctuation dropped,
// spaces as hyphens). Links inside code blocks and links with a scheme (https:, mailto:) are skipped.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/docs-links.test.js → repository root
const root = fileURLToPath(new URL('../../../', import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return entry.endsWith('.md') ? [path] : [];
  });
}

/** The anchor GitHub gives a heading. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replaceAll(' ', '-');
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of withoutCodeBlocks(readFileSync(file, 'utf8')).split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    if (heading !== undefined) anchors.add(headingAnchor(heading));
  }
  return anchors;
}

function withoutCodeBlocks(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** Problems with the relative links of one Markdown file, as readable lines. */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  const text = withoutCodeBlocks(readFileSync(file, 'utf8'));
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
    const [path = '', fragment] = link.split('#');
    const target = path === '' ? file : join(dirname(file), path);
    const where = `${relative(root, file)}: link ${link}`;
    if (!existsSync(target)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (fragment !== undefined && statSync(target).isFile() && !anchorsOf(target).has(fragment)) {
      problems.push(`${where}: no heading with anchor #${fragment}`);
    }
  }
  return problems;
}

void describe('documentation links', () => {
  void it('headingAnchor follows GitHub', () => {
    assert.equal(headingAnchor('Metrics, dashboard and alerts'), 'metrics-dashboard-and-alerts');
    assert.equal(headingAnchor('2. In a cluster'), '2-in-a-cluster');
    assert.equal(headingAnchor('`spec.errors` and retries'), 'specerrors-and-retries');
  });

  void it('resolve to files and headings of the repository', () => {
    const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
    assert.ok(files.length > 5, 'no documentation found');
    assert.deepEqual(files.flatMap(brokenLinks), []);
  });
});
