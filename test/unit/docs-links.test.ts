import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every page a reader opens from the repository: a link that leads nowhere, or out of the
 * repository to something only its authors can reach, is a dead end for every user.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = [
  'README.md',
  'emulator/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Hosts that are not public sites: the reader's own machine, private names. */
const PRIVATE_HOST =
  /^(localhost|127\.|10\.|192\.168\.|0\.0\.0\.0|\[::1\])|\.(local|internal|example)$/;

interface Link {
  readonly target: string;
  readonly line: number;
}

/** Markdown links, images and reference definitions outside code blocks and code spans. */
function links(markdown: string): Link[] {
  const found: Link[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    if (fenced) return;
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: m[1] ?? '', line: i + 1 });
    }
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(\s|$)/.exec(prose);
    if (definition) found.push({ target: definition[1] ?? '', line: i + 1 });
  });
  return found;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const headings = markdown
    .replace(/^(```|~~~)[\s\S]*?^\1/gm, '')
    .split('\n')
    .filter((line) => /^#{1,6}\s/.test(line));
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+\s+/, '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    ),
  );
}

/** What is wrong with one link of `page`, or undefined. */
function problem(page: string, target: string): string | undefined {
  if (/^https?:\/\//.test(target)) {
    const host = new URL(target).hostname;
    return PRIVATE_HOST.test(host) ? `${target} is not a public site` : undefined;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(target))
    return `${target}: only http(s) links leave the repository`;
  const [path = '', anchor] = target.split('#');
  if (isAbsolute(path)) return `${target} is an absolute path, outside the repository`;
  const file = path ? resolve(ROOT, dirname(page), decodeURI(path)) : join(ROOT, page);
  if (relative(ROOT, file).startsWith('..')) return `${target} leaves the repository`;
  if (!existsSync(file)) return `${target} does not exist`;
  if (anchor && statSync(file).isFile() && file.endsWith('.md')) {
    if (!anchors(readFileSync(file, 'utf8')).has(anchor)) return `${target}: no such heading`;
  }
  return undefined;
}

describe('documentation links', () => {
  it.each(PAGES)('%s: every link resolves inside the repository or to a public site', (page) => {
    const markdown = readFileSync(join(ROOT, page), 'utf8');
    const broken = links(markdown).flatMap(({ target, line }) => {
      const why = problem(page, target);
      return why ? [`${page}:${line}: ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it.each(PAGES)('%s: points at no file of the team outside this repository', (page) => {
    const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
    const outside = lines.flatMap((text, i) =>
      /\.\.\/shared\b|\/shared\/reference/.test(text) ? [`${page}:${i + 1}: ${text.trim()}`] : [],
    );
    expect(outside).toEqual([]);
  });

  it('finds a broken relative link, a link out of the repository and a private host', () => {
    expect(problem('README.md', 'docs/no-such-page.md')).toBe(
      'docs/no-such-page.md does not exist',
    );
    // A link two folders up: where the team's own notes would be, which no user has.
    const outside = ['..', '..', 'shared', 'reference', 'qbo-facts.md'].join('/');
    expect(problem('docs/soak.md', outside)).toBe(`${outside} leaves the repository`);
    expect(problem('README.md', 'http://localhost:3000/')).toBe(
      'http://localhost:3000/ is not a public site',
    );
    expect(problem('README.md', 'docs/deploying.md#no-such-heading')).toBe(
      'docs/deploying.md#no-such-heading: no such heading',
    );
    expect(problem('README.md', 'docs/deploying.md#context-values')).toBeUndefined();
    expect(links('see [a](a.md), `[b](b.md)` and\n```\n[c](c.md)\n```\n![d](d.png)')).toEqual([
      { target: 'a.md', line: 1 },
      { target: 'd.png', line: 5 },
    ]);
  });
});
