import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { FUNCTIONS } from '#lib/functions.ts';
import { FUNCTION_BUNDLING } from '#lib/lambda-function.ts';
import { percentile, round } from './support/stack.ts';

/** The goals of issue 9 for every function. */
const GOALS = { bundleKb: 300, moduleLoadMs: 100 };
const LOADS = 7;

/** What a function's code reads at load, so that loading it does not stop at a missing variable. */
const LOAD_ENV = {
  AWS_REGION: 'us-east-1',
  SYNC_TABLE_NAME: 'sync_state',
  KEYS_TABLE_NAME: 'tenant_provider_keys',
  INTUIT_CLIENT_ID: 'bench-client',
  INTUIT_CLIENT_SECRET: 'bench-secret',
  INTUIT_REDIRECT_URI: 'https://api.example/oauth/quickbooks/callback',
  PORTAL_URL: 'https://admin.example/',
  QBO_WEBHOOK_VERIFIER_TOKEN: 'bench-verifier',
  PUSH_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/push.fifo',
  CHANGE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/changes.fifo',
  RECONCILE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/reconcile',
  GRANT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/grants',
  EVENT_BUS_NAME: 'bench',
  TOKEN_KEY_ARN: 'arn:aws:kms:us-east-1:1:key/bench',
  SCHEDULE_GROUP: 'bench',
  RECONCILE_QUEUE_ARN: 'arn:aws:sqs:us-east-1:1:reconcile',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/bench',
  SCHEDULE_DLQ_ARN: 'arn:aws:sqs:us-east-1:1:schedules-dlq',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

async function bundle(fn: string, outDir: string, bundleSdk: boolean): Promise<number> {
  const result = await build({
    entryPoints: [`functions/${fn}/handler.ts`],
    outfile: join(outDir, fn, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    minify: FUNCTION_BUNDLING.minify,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    external: bundleSdk ? [] : ['@aws-sdk/*'],
    banner: { js: FUNCTION_BUNDLING.banner },
    sourcemap: true,
    metafile: true,
    logLevel: 'error',
  });
  // The code as shipped: the source map is a file beside it, loaded only to print stack traces.
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .reduce((n, [, o]) => n + o.bytes, 0);
}

/**
 * Loads a bundle in a fresh Node process, as a Lambda cold start does (init, top-level awaits
 * included; the AWS SDK, when external, comes from node_modules as from the runtime's), and
 * reports the time and the process's resident memory after the load.
 */
function load(file: string): { ms: number; rssMb: number } {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)});
const ms = performance.now() - t; console.log(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 2 ** 20 }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    // As deployed: AppFunction sets NODE_OPTIONS=--enable-source-maps.
    env: { PATH: process.env.PATH, NODE_OPTIONS: '--enable-source-maps', ...LOAD_ENV },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; rssMb: number };
}

interface Loaded {
  moduleLoadMs: number;
  rssMb: number;
}

interface FunctionRow extends Loaded {
  function: string;
  bundleKb: number;
  sdkLeftOut: Loaded & { bundleKb: number };
}

function measure(fn: string, dir: string): Loaded {
  const runs = Array.from({ length: LOADS }, () => load(join(dir, fn, 'index.mjs')));
  return {
    moduleLoadMs: round(
      percentile(
        runs.map((r) => r.ms),
        50,
      ),
      1,
    ),
    rssMb: round(
      percentile(
        runs.map((r) => r.rssMb),
        50,
      ),
      1,
    ),
  };
}

/**
 * Cold start and size (issue 9): every function bundled as deployed (`FUNCTION_BUNDLING`) and,
 * as the alternative, with the AWS SDK left out for the runtime's copy; each loaded seven times in
 * a fresh process.
 * Bundles are written under `.bench-build/` inside the project so the SDK resolves from
 * node_modules, as it resolves from the runtime in Lambda.
 */
export async function bundlesBenchmark() {
  const root = resolve('.bench-build');
  rmSync(root, { recursive: true, force: true });
  const deployed = join(root, 'deployed');
  const sdkLeftOut = join(root, 'sdk-left-out');
  mkdirSync(deployed, { recursive: true });
  const functions = Object.keys(FUNCTIONS).sort();
  const rows: FunctionRow[] = [];
  for (const fn of functions) {
    const bytes = await bundle(fn, deployed, FUNCTION_BUNDLING.bundleAwsSdk);
    const baselineBytes = await bundle(fn, sdkLeftOut, false);
    rows.push({
      function: fn,
      bundleKb: round(bytes / 1024, 0),
      ...measure(fn, deployed),
      sdkLeftOut: { bundleKb: round(baselineBytes / 1024, 0), ...measure(fn, sdkLeftOut) },
    });
  }
  const max = (pick: (r: FunctionRow) => number) => Math.max(...rows.map(pick));
  return {
    goals: GOALS,
    loadsPerFunction: LOADS,
    largestBundleKb: max((r) => r.bundleKb),
    slowestModuleLoadMs: max((r) => r.moduleLoadMs),
    withinGoals: rows.every(
      (r) => r.bundleKb <= GOALS.bundleKb && r.moduleLoadMs <= GOALS.moduleLoadMs,
    ),
    baselineLargestBundleKb: max((r) => r.sdkLeftOut.bundleKb),
    baselineSlowestModuleLoadMs: max((r) => r.sdkLeftOut.moduleLoadMs),
    functions: rows,
  };
}
