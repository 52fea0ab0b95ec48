import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { bundleDefines, FUNCTIONS, type FunctionName } from '#lib/functions.ts';
import { FUNCTION_BUNDLING } from '#lib/lambda-function.ts';
import { BUDGETS, type Budget, SLOWEST_LOAD_RATIO_GOAL } from './budgets.ts';
import { profileLoad } from './load-profile.ts';
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

/** How one variant of a function is bundled: the deployed way, or a baseline's. */
interface BundleOptions {
  /** Where the code's `package.json` (its `#shared/*` imports) and `functions/` are. */
  readonly root: string;
  readonly bundleSdk: boolean;
  /** What the deployed bundling leaves out and defines (the code of 2026-11-25 had neither). */
  readonly external?: readonly string[];
  readonly define?: Record<string, string>;
  /** Whether the source map carries the sources' text (it did on 2026-11-25). */
  readonly sourcesContent: boolean;
  /** Packages replaced (`semver`, since issue 35). */
  readonly alias?: Record<string, string>;
}

async function bundle(fn: string, outDir: string, options: BundleOptions) {
  const result = await build({
    absWorkingDir: options.root,
    entryPoints: [`functions/${fn}/handler.ts`],
    outfile: join(outDir, fn, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    minify: FUNCTION_BUNDLING.minify,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    external: [...(options.external ?? []), ...(options.bundleSdk ? [] : ['@aws-sdk/*'])],
    define: options.define ?? {},
    banner: { js: FUNCTION_BUNDLING.banner },
    sourcemap: true,
    sourcesContent: options.sourcesContent,
    alias: Object.fromEntries(
      Object.entries(options.alias ?? {}).map(([name, file]) => [name, resolve(file)]),
    ),
    metafile: true,
    logLevel: 'error',
  });
  // The code as shipped: the source map is a file beside it, loaded only to print stack traces.
  const [, output] = Object.entries(result.metafile.outputs).find(
    ([file]) => !file.endsWith('.map'),
  ) as [string, Metafile['outputs'][string]];
  return { bytes: output.bytes, inputs: output.inputs };
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
  budget: Budget & { loadRatio: number };
  /** This function's median load over the slowest of the code of 2026-11-25 in this run. */
  loadRatio: number;
  overBudget: boolean;
}

const median = (values: readonly number[]) => round(percentile(values, 50), 1);

/**
 * The code the load goal is measured against (issue 35): main on 2026-11-25, when the slowest
 * bundle loaded in 66.9 ms on a quieter machine (`bench/results/bundles.json` of that commit).
 * It is bundled from its own tree, with today's node_modules (the same dependency versions) and
 * the bundling of that day, and loaded in the same rounds as today's bundles.
 */
const BASELINE = { commit: 'af959dacacef486bca68ce3fe1840d69b2f62e50', date: '2026-11-25' };

/** Writes the baseline's tree under `dir` (`git archive`, so nothing touches the work tree). */
function checkoutBaseline(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync(
    'git',
    ['archive', BASELINE.commit, 'package.json', 'functions', 'shared', 'lib'],
    {
      maxBuffer: 64 * 2 ** 20,
    },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  return readdirSync(join(dir, 'functions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, 'functions', d.name, 'handler.ts')))
    .map((d) => d.name)
    .sort();
}

/**
 * Cold start and size (issues 9 and 35): every function bundled as deployed (`FUNCTION_BUNDLING`
 * and its row's `bundleDefines`); as the alternative, with the AWS SDK left out for the runtime's
 * copy; and the code of 2026-11-25 ({@link BASELINE}). Each bundle is loaded seven times in a fresh
 * process, the three sets in turn within each round so that the machine's load falls on all of
 * them alike. The slowest deployed bundle then gets a load profile (`./load-profile.ts`), and every
 * function is checked against its budget (`./budgets.ts`).
 * Bundles are written under `.bench-build/` inside the project so the SDK resolves from
 * node_modules, as it resolves from the runtime in Lambda.
 */
export async function bundlesBenchmark() {
  const root = resolve('.bench-build');
  rmSync(root, { recursive: true, force: true });
  const deployed = join(root, 'deployed');
  const sdkLeftOut = join(root, 'sdk-left-out');
  const baselineOut = join(root, 'baseline');
  const baselineSrc = join(root, 'baseline-src');
  mkdirSync(deployed, { recursive: true });
  const functions = (Object.keys(FUNCTIONS) as FunctionName[]).sort();
  const bytes = new Map<string, number>();
  const inputs = new Map<FunctionName, Metafile['outputs'][string]['inputs']>();
  for (const fn of functions) {
    const built = await bundle(fn, deployed, {
      root: process.cwd(),
      bundleSdk: FUNCTION_BUNDLING.bundleAwsSdk,
      external: FUNCTION_BUNDLING.external,
      define: bundleDefines(FUNCTIONS[fn]),
      sourcesContent: FUNCTION_BUNDLING.sourcesContent,
      alias: FUNCTION_BUNDLING.alias,
    });
    bytes.set(`deployed/${fn}`, built.bytes);
    inputs.set(fn, built.inputs);
    const left = await bundle(fn, sdkLeftOut, {
      root: process.cwd(),
      bundleSdk: false,
      external: FUNCTION_BUNDLING.external,
      define: bundleDefines(FUNCTIONS[fn]),
      sourcesContent: FUNCTION_BUNDLING.sourcesContent,
      alias: FUNCTION_BUNDLING.alias,
    });
    bytes.set(`sdk-left-out/${fn}`, left.bytes);
  }
  const baselineFunctions = checkoutBaseline(baselineSrc);
  for (const fn of baselineFunctions) {
    const built = await bundle(fn, baselineOut, {
      root: baselineSrc,
      bundleSdk: true,
      sourcesContent: true,
    });
    bytes.set(`baseline/${fn}`, built.bytes);
  }

  const files = [
    ...functions.flatMap((fn) => [`deployed/${fn}`, `sdk-left-out/${fn}`]),
    ...baselineFunctions.map((fn) => `baseline/${fn}`),
  ];
  const loads = new Map<string, { ms: number; rssMb: number }[]>(files.map((f) => [f, []]));
  const loadAverage: number[] = [loadavg()[0] as number];
  for (let round = 0; round < LOADS; round++) {
    for (const f of files) loads.get(f)?.push(load(join(root, f, 'index.mjs')));
    loadAverage.push(loadavg()[0] as number);
  }
  const loaded = (f: string): Loaded => ({
    moduleLoadMs: median((loads.get(f) ?? []).map((r) => r.ms)),
    rssMb: median((loads.get(f) ?? []).map((r) => r.rssMb)),
  });
  const kb = (f: string) => round((bytes.get(f) ?? 0) / 1024, 0);

  const baselineRows = baselineFunctions.map((fn) => ({
    function: fn,
    bundleKb: kb(`baseline/${fn}`),
    ...loaded(`baseline/${fn}`),
  }));
  const baselineSlowest = Math.max(...baselineRows.map((r) => r.moduleLoadMs));
  const rows: FunctionRow[] = functions.map((fn) => {
    const self = loaded(`deployed/${fn}`);
    const budget = BUDGETS[fn];
    const loadRatio = round(self.moduleLoadMs / baselineSlowest, 2);
    const bundleKb = kb(`deployed/${fn}`);
    return {
      function: fn,
      bundleKb,
      ...self,
      loadRatio,
      budget,
      overBudget: bundleKb > budget.bundleKb || loadRatio > budget.loadRatio,
      sdkLeftOut: { bundleKb: kb(`sdk-left-out/${fn}`), ...loaded(`sdk-left-out/${fn}`) },
    };
  });
  const max = (pick: (r: FunctionRow) => number) => Math.max(...rows.map(pick));
  const slowest = rows.reduce((a, b) => (b.moduleLoadMs > a.moduleLoadMs ? b : a));
  const overBudget = rows.filter((r) => r.overBudget).map((r) => r.function);
  if (overBudget.length > 0) {
    console.error(`bench bundles: over budget (bench/budgets.ts): ${overBudget.join(', ')}`);
    process.exitCode = 1;
  }
  const slowestOverBaseline = round(slowest.moduleLoadMs / baselineSlowest, 2);
  return {
    goals: { ...GOALS, slowestOverBaselineSlowest: SLOWEST_LOAD_RATIO_GOAL },
    loadsPerFunction: LOADS,
    /** The 1-minute load average before the first round and after each. */
    loadAverage: loadAverage.map((x) => round(x, 2)),
    largestBundleKb: max((r) => r.bundleKb),
    slowestModuleLoadMs: slowest.moduleLoadMs,
    slowestFunction: slowest.function,
    withinGoals: rows.every(
      (r) => r.bundleKb <= GOALS.bundleKb && r.moduleLoadMs <= GOALS.moduleLoadMs,
    ),
    baselineLargestBundleKb: max((r) => r.sdkLeftOut.bundleKb),
    baselineSlowestModuleLoadMs: max((r) => r.sdkLeftOut.moduleLoadMs),
    before: {
      code: `main of ${BASELINE.date} (${BASELINE.commit.slice(0, 7)})`,
      largestBundleKb: Math.max(...baselineRows.map((r) => r.bundleKb)),
      slowestModuleLoadMs: baselineSlowest,
      slowestFunction: baselineRows.find((r) => r.moduleLoadMs === baselineSlowest)?.function,
      functions: baselineRows,
    },
    slowestOverBaselineSlowest: slowestOverBaseline,
    withinLoadGoal: slowestOverBaseline <= SLOWEST_LOAD_RATIO_GOAL,
    overBudget,
    profile: profileLoad(
      join(deployed, slowest.function, 'index.mjs'),
      inputs.get(slowest.function as FunctionName) ?? {},
      LOAD_ENV,
    ),
    functions: rows,
  };
}
