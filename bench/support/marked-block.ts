import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->` in a markdown file,
 * leaving the rest of the file as it is: how a run writes its results table into the docs.
 *
 * @param file - the markdown file, e.g. `docs/benchmarks.md`
 * @param name - the markers' name, e.g. `bench`
 * @param body - the new text between the markers
 * @throws Error when the file lacks either marker
 */
export function writeMarkedBlock(file: string, name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`${file} has no ${start} … ${end} block`);
  writeFileSync(
    file,
    `${text.slice(0, from)}${start}\n${body}\n${end}${text.slice(to + end.length)}`,
  );
}
