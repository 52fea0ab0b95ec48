import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, functionsWhere } from '#lib/functions.ts';

/**
 * Lists in the docs that repeat what the code or the tree already says: each is read from its page
 * and held to its source here, so that a new function, a new `lib/` file or a new folder fails a
 * test until the page names it (and a removed one until the page drops it).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** The names in code spans that look like a function's folder name (`push-worker`). */
const functionNames = (text: string): string[] =>
  [...text.matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)*)`/g)].map((m) => m[1] ?? '');

/** The Markdown bullet (with its continuation lines) that starts with `opening`. */
function bullet(markdown: string, opening: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`- ${opening}`));
  if (start < 0) throw new Error(`no bullet starting with "- ${opening}"`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => !line.startsWith('  ') || line.startsWith('  -'));
  return [lines[start], ...rest.slice(0, end < 0 ? undefined : end)].join(' ').replace(/\s+/g, ' ');
}

/** The sentence of `text` that contains `words`. */
function sentence(text: string, words: string): string {
  const found = text.split(/(?<=\.)\s/).find((s) => s.includes(words));
  if (!found) throw new Error(`no sentence with "${words}" in: ${text}`);
  return found;
}

describe('docs/security.md: who can use the token key', () => {
  const list = bullet(read('docs/security.md'), '**Functions that can open tokens**');

  it('names exactly the functions whose row in lib/functions.ts opens tokens', () => {
    const named = functionNames(sentence(list, '**Functions that can open tokens**'));
    const opening = functionsWhere((spec) => spec.tokens === 'read' || spec.tokens === 'both');
    expect(named.sort()).toEqual(opening.sort());
  });

  it('names exactly the functions that may only seal, and says the others hold no key', () => {
    const sealing = functionNames(sentence(list, 'can only seal'));
    expect(sealing.sort()).toEqual(functionsWhere((spec) => spec.tokens === 'store').sort());
    const without = functionNames(sentence(list, 'hold no token key'));
    expect(without.length).toBeGreaterThan(0);
    for (const name of without) {
      expect(name in FUNCTIONS, `${name} is a function`).toBe(true);
      expect(FUNCTIONS[name as keyof typeof FUNCTIONS], name).not.toHaveProperty('tokens');
    }
  });
});

/** One entry of the README's layout block: its path and what it says, continuation lines joined. */
interface LayoutEntry {
  readonly path: string;
  readonly text: string;
}

/** The code block under `## Layout` in README.md, entry by entry. */
function layout(readme: string): LayoutEntry[] {
  const section = readme.split(/^## Layout$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = /^```\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!block) throw new Error('README.md: no code block under "## Layout"');
  const entries: { path: string; text: string }[] = [];
  for (const line of block.split('\n').filter((l) => l.trim())) {
    const last = entries.at(-1);
    if (/^\s/.test(line) && last) last.text += ` ${line.trim()}`;
    else {
      const [path = '', ...words] = line.trim().split(/\s+/);
      entries.push({ path, text: words.join(' ') });
    }
  }
  return entries;
}

/**
 * The names an entry lists: its text without what parentheses say and without a leading label
 * (`CDK:`), split at commas and at "and" (`nag and guard`).
 */
function listed(entry: LayoutEntry): string[] {
  let text = entry.text;
  for (let before = ''; before !== text; ) {
    before = text;
    text = text.replace(/\s*\([^()]*\)/g, '');
  }
  return text
    .replace(/^[\w-]+:\s*/, '')
    .split(/\s*,\s*|\s+and\s+/)
    .map((name) => name.trim())
    .filter(Boolean);
}

/** Top-level names that are not part of the tree: git's folder and what .gitignore leaves out. */
function ignoredTopLevel(): Set<string> {
  const ignored = read('.gitignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.slice(0, -1).includes('/'))
    .map((line) => line.replace(/\/$/, ''));
  return new Set(['.git', ...ignored]);
}

/** Folders under `dir` (relative to it) that directly hold a file, and the files at its top. */
function modulesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    const entries = readdirSync(join(ROOT, dir, relative), { withFileTypes: true });
    if (relative && entries.some((e) => e.isFile())) found.push(relative);
    for (const e of entries) {
      if (e.isDirectory()) walk(relative ? `${relative}/${e.name}` : e.name);
      else if (!relative) found.push(e.name.replace(/\.ts$/, ''));
    }
  };
  walk('');
  return found;
}

describe("README.md's layout names the tree as it is", () => {
  const entries = layout(read('README.md'));
  const entry = (path: string) => {
    const found = entries.find((e) => e.path === path);
    if (!found) throw new Error(`README.md's layout has no entry for ${path}`);
    return found;
  };

  it('has one entry for every top-level folder, and none for a folder that is not there', () => {
    const ignored = ignoredTopLevel();
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !ignored.has(e.name))
      .map((e) => e.name);
    const described = new Set(entries.map((e) => e.path.split('/')[0]));
    expect([...described].sort()).toEqual(folders.sort());
  });

  it('lists every file of lib/ by its name, and no other', () => {
    const files = readdirSync(join(ROOT, 'lib'))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => name.replace(/\.ts$/, ''));
    expect(listed(entry('lib/')).sort()).toEqual(files.sort());
  });

  it('lists every folder of shared/ (and its top-level files), and no other', () => {
    expect(listed(entry('shared/')).sort()).toEqual(modulesUnder('shared').sort());
  });

  it('names every folder of test/', () => {
    const text = entry('test/').text;
    const folders = readdirSync(join(ROOT, 'test'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((name) => !text.includes(`${name}/`))).toEqual([]);
  });

  it('reads an entry as its names', () => {
    expect(
      listed({ path: 'lib/', text: 'CDK: app (a, b (c)), nag and guard (d), sync-data, x' }),
    ).toEqual(['app', 'nag', 'guard', 'sync-data', 'x']);
  });
});
