import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { round } from './support/stack.ts';

const RUNS = 5;
/** Sampling interval of the V8 profiler, in µs (the default, 1 ms, is too coarse for 100 ms). */
const INTERVAL_US = 100;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** A bundled file's package: `zod`, `@smithy/core`, or the project's folder (`shared/store`). */
export function packageOf(file: string): string {
  const inModules = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (inModules) return inModules[1] as string;
  const own = file.replace(/^(\.\.\/)+/, '').match(/(?:^|\/)((?:shared|functions|lib)\/[^/]+)/);
  return own ? (own[1] as string).replace(/\.ts$/, '') : file;
}

/**
 * Where a bundle's load time goes (issue 35), for the slowest bundle of a run: the bundle is
 * imported {@link RUNS} times in a fresh Node process under the V8 sampling profiler
 * (`--cpu-prof`, 100 µs), as `load()` in `./bundles.ts` imports it, and each sample's own time is
 * put on:
 *
 * - `compileMs`: V8 compiling the bundle (`compileSourceTextModule`): it grows with the bundle's
 *   bytes, so the package table gives each package's bytes (the esbuild metafile);
 * - each package's `evalMs`: its code running at load (top-level statements, class and schema
 *   construction), found through the source map; what esbuild hoists into the module's own
 *   top-level function (ESM dependencies) has no finer position, and is `topLevelMs`;
 * - `gcMs`, and `nodeMs` (Node's start-up and its module loader, outside the import: given so the
 *   rest adds up to the profile, not part of the measured load).
 *
 * @param file - the bundle (`index.mjs`, its source map beside it)
 * @param inputs - the bundle's metafile inputs
 * @param env - the environment it loads with
 */
export function profileLoad(
  file: string,
  inputs: Metafile['outputs'][string]['inputs'],
  env: Record<string, string>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const url = pathToFileURL(file).href;
  const importMs: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const out = execFileSync(
        process.execPath,
        [
          '--cpu-prof',
          `--cpu-prof-interval=${INTERVAL_US}`,
          `--cpu-prof-dir=${dir}`,
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`,
        ],
        {
          env: { PATH: process.env.PATH, NODE_OPTIONS: '--enable-source-maps', ...env },
          encoding: 'utf8',
        },
      );
      importMs.push(Number(out.trim().split('\n').pop()));
    }
    const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    const evalUs = new Map<string, number>();
    const add = (key: string, us: number) => evalUs.set(key, (evalUs.get(key) ?? 0) + us);
    for (const name of readdirSync(dir)) {
      const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as {
        nodes: ProfileNode[];
        samples: number[];
        timeDeltas: number[];
      };
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const parent = new Map<number, number>();
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const underCompile = (id: number): boolean => {
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          if (nodes.get(at)?.callFrame.functionName === 'compileSourceTextModule') return true;
        }
        return false;
      };
      profile.samples.forEach((id, i) => {
        const us = profile.timeDeltas[i] ?? 0;
        const frame = (nodes.get(id) as ProfileNode).callFrame;
        if (frame.url === url) {
          const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
            originalSource?: string;
          };
          const top = frame.lineNumber === 0 && frame.columnNumber === 0;
          add(top || !entry.originalSource ? ':top' : packageOf(entry.originalSource), us);
        } else if (underCompile(id)) add(':compile', us);
        else if (frame.functionName === '(garbage collector)') add(':gc', us);
        else add(':node', us);
      });
    }
    const ms = (us: number | undefined) => round((us ?? 0) / RUNS / 1000, 1);
    const kb = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      const p = packageOf(input);
      kb.set(p, (kb.get(p) ?? 0) + bytesInOutput / 1024);
    }
    const packages = [...kb.keys()]
      .map((p) => ({ package: p, kb: round(kb.get(p) ?? 0, 0), evalMs: ms(evalUs.get(p)) }))
      .sort((a, b) => b.kb - a.kb || b.evalMs - a.evalMs);
    return {
      method: `node --cpu-prof (${INTERVAL_US} µs samples), ${RUNS} fresh imports, self time by source-mapped package; bytes from the esbuild metafile`,
      importMs: round(importMs.sort((a, b) => a - b)[Math.floor(RUNS / 2)] as number, 1),
      compileMs: ms(evalUs.get(':compile')),
      topLevelMs: ms(evalUs.get(':top')),
      gcMs: ms(evalUs.get(':gc')),
      nodeMs: ms(evalUs.get(':node')),
      packages,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
