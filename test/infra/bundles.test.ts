import { resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsAdapterName,
  awsAdaptersOf,
  bundleDefines,
  FUNCTIONS,
  type FunctionName,
} from '#lib/functions.ts';
import { FUNCTION_BUNDLING } from '#lib/lambda-function.ts';

/** What only local mode and the tests use: never part of a deployed function. */
const LOCAL_ONLY = [/^shared\/adapters\/local\//, /^bin\//, /^test\//, /node_modules\/croner\//];

/** The SDK client each AWS adapter calls. */
const ADAPTER_CLIENTS: Record<AwsAdapterName, string> = {
  keys: 'client-kms',
  schedules: 'client-scheduler',
  events: 'client-eventbridge',
  pushQueue: 'client-sqs',
  changeQueue: 'client-sqs',
  reconcileQueue: 'client-sqs',
  grantQueue: 'client-sqs',
};

const names = Object.keys(FUNCTIONS) as FunctionName[];
/** Each function's bundled files (those with bytes in its output). */
const inputs = new Map<FunctionName, string[]>();
beforeAll(async () => {
  // Every function bundled as the stack bundles it (FUNCTION_BUNDLING and its row's defines).
  await Promise.all(
    names.map(async (name) => {
      const result = await build({
        entryPoints: [`functions/${name}/handler.ts`],
        bundle: true,
        write: false,
        outfile: `out/${name}.mjs`,
        platform: 'node',
        format: 'esm',
        target: FUNCTION_BUNDLING.target,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        external: [...FUNCTION_BUNDLING.external],
        alias: Object.fromEntries(
          Object.entries(FUNCTION_BUNDLING.alias).map(([name, file]) => [name, resolve(file)]),
        ),
        define: bundleDefines(FUNCTIONS[name]),
        banner: { js: FUNCTION_BUNDLING.banner },
        metafile: true,
        logLevel: 'error',
      });
      const output = result.metafile.outputs[`out/${name}.mjs`] as Metafile['outputs'][string];
      inputs.set(
        name,
        Object.entries(output.inputs)
          .filter(([, i]) => i.bytesInOutput > 0)
          .map(([file]) => file),
      );
    }),
  );
}, 60_000);

describe('Bundles: no local adapter reaches Lambda', () => {
  it.each(names)('%s bundles without local mode', (name) => {
    const files = inputs.get(name) ?? [];
    expect(files).toContain(`functions/${name}/handler.ts`);
    expect(files.filter((file) => LOCAL_ONLY.some((p) => p.test(file)))).toEqual([]);
  });
});

describe('Bundles: only the AWS adapters a row grants', () => {
  it.each(names)('%s bundles the SDK clients of its row and no other', (name) => {
    const files = inputs.get(name) ?? [];
    const needed = new Set(awsAdaptersOf(FUNCTIONS[name]).map((a) => ADAPTER_CLIENTS[a]));
    for (const client of new Set(Object.values(ADAPTER_CLIENTS))) {
      const bundled = files.some((f) => f.includes(`/@aws-sdk/${client}/`));
      expect.soft(bundled, `${name}: @aws-sdk/${client}`).toBe(needed.has(client));
    }
  });

  it('leaves out the credential providers Lambda never reaches, and semver', () => {
    const files = inputs.get('push-worker') ?? [];
    expect(
      files.filter((f) =>
        /@aws-sdk\/(nested-clients|credential-provider-ini)\/|\/semver\//.test(f),
      ),
    ).toEqual([]);
  });

  it('a function that never talks to Intuit bundles no OAuth, QBO client or app secret', () => {
    const files = inputs.get('get-connection') ?? [];
    expect(
      files.filter((f) => /oauth4webapi|client-secrets-manager|shared\/qbo\/qbo-client/.test(f)),
    ).toEqual([]);
  });
});
