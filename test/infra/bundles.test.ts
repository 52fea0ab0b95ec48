import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '#lib/functions.ts';
import { FUNCTION_BUNDLING } from '#lib/lambda-function.ts';

/** What only local mode and the tests use: never part of a deployed function. */
const LOCAL_ONLY = [/^shared\/adapters\/local\//, /^bin\//, /^test\//, /node_modules\/croner\//];

let outputs: Metafile['outputs'];
beforeAll(async () => {
  // One build of every function, bundled as the stack bundles them (FUNCTION_BUNDLING).
  const result = await build({
    entryPoints: Object.fromEntries(
      Object.keys(FUNCTIONS).map((name) => [name, `functions/${name}/handler.ts`]),
    ),
    bundle: true,
    write: false,
    outdir: 'out',
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    metafile: true,
    logLevel: 'error',
  });
  outputs = result.metafile.outputs;
});

describe('Bundles: no local adapter reaches Lambda', () => {
  it.each(Object.keys(FUNCTIONS))('%s bundles without local mode', (name) => {
    const inputs = Object.keys(outputs[`out/${name}.mjs`]?.inputs ?? {});
    expect(inputs).toContain(`functions/${name}/handler.ts`);
    expect(inputs.filter((file) => LOCAL_ONLY.some((p) => p.test(file)))).toEqual([]);
  });
});
