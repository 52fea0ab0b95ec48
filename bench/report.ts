import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeMarkedBlock } from './support/marked-block.ts';

// biome-ignore lint/suspicious/noExplicitAny: results files are read as written by bench/main.ts
type Result = any;

function load(resultsDir: string, name: string): Result | undefined {
  const file = join(resultsDir, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

const n = (v: number) => v.toLocaleString('en-US');

/** A run's CPU: share of all cores, per invoice, and the floors it implies (bench/push.ts). */
const cpu = (x: Result) =>
  `${Math.round(x.cpuShareOfAllCores * 100)} % of all cores, ${x.cpuMsPerInvoice} ms an invoice; floors: QBO ${x.qboFloorSeconds} s, local CPU ${x.cpuFloorSeconds} s`;

/** Which sides of a comparison this machine's CPU bounds (CPU floor above QBO floor). */
export interface CpuBounds {
  readonly pipeline: boolean;
  readonly naive: boolean;
}

/**
 * The verdict on pipeline-over-naive ratios (goal: at most 1). A pipeline bound by this
 * machine's CPU is slower than it would be with a CPU per Lambda, as in AWS: a loss there is not
 * judged, a win holds all the more. A naive pusher bound by the CPU would flatter the pipeline:
 * nothing is judged then.
 *
 * @param ratios - the pipeline's time (or latency) over the naive pusher's
 * @param bound - which sides the local CPU bounds
 */
export function comparisonVerdict(ratios: readonly number[], bound: CpuBounds): string {
  if (bound.naive) return 'not judged: the local CPU bounds the naive pusher';
  if (ratios.every((x) => x <= 1)) {
    return `goal ≤ 1, met${bound.pipeline ? ' although the local CPU is the bound' : ''}`;
  }
  return bound.pipeline ? 'not judged: the local CPU is the bound' : 'goal ≤ 1, not met';
}

/** The two rows of a ten-companies comparison (bench/push.ts `pushComparison`). */
function comparisonRows(r: Result, sizes: Result, label: string): string[] {
  const p = r.pipeline;
  const b = r.naive;
  const q = r.ratios;
  const bound = {
    pipeline: p.cpuFloorSeconds > p.qboFloorSeconds,
    naive: b.cpuFloorSeconds > b.qboFloorSeconds,
  };
  const goal = (...ratios: number[]) => comparisonVerdict(ratios, bound);
  return [
    `| ${sizes.tenants} companies × ${n(sizes.invoicesPerTenant)} invoices sent at once${label}: until all are in QBO | ${p.allInQboSeconds} s; ${p.notPushed} lost, ${p.duplicated} duplicated, ${p.answered429} answered 429; CPU ${cpu(p)} | naive (${b.lanesPerCompany} lanes a company): ${b.wallSeconds} s, ${b.refusedWith429} answered 429; CPU ${cpu(b)} | ${q.allInQboPipelineOverNaive}× (${goal(q.allInQboPipelineOverNaive)}) |`,
    `| … push latency, POST → created in QBO (p50 / p99) | ${n(p.latencyMs.p50)} / ${n(p.latencyMs.p99)} ms | naive: ${n(b.latencyMs.p50)} / ${n(b.latencyMs.p99)} ms | ${q.p50PipelineOverNaive}× / ${q.p99PipelineOverNaive}× (${goal(q.p50PipelineOverNaive, q.p99PipelineOverNaive)}) |`,
  ];
}

function pushRows(r: Result): string[] {
  const p = r.pipeline;
  const b = r.naive;
  const o = r.oneCompany;
  const q = r.ratios;
  const slow = r.qboSlower;
  return [
    ...comparisonRows(r, r.options, `, QBO at ${r.options.qboLatencyMs} ms`),
    ...(slow
      ? comparisonRows(
          slow,
          r.options,
          `, QBO ${slow.qboLatencyMs / r.options.qboLatencyMs}× slower (${n(slow.qboLatencyMs)} ms)`,
        )
      : []),
    `| One company, ${n(o.invoices)} invoices sent at once: invoices into QBO per minute | **${n(o.invoicesPerMinute)}**; ${o.notPushed + o.pushFailedEvents} failed, ${o.duplicated} duplicated, ${o.answered429} answered 429; ${o.qboRequestsPerInvoice} QBO requests per invoice; CPU ${Math.round(o.cpuShareOfAllCores * 100)} % | single creates: at most ${o.singleCreateCeilingPerMinute} a minute | goal ≥ ${n(o.goalInvoicesPerMinute)} |`,
    `| One invoice on an idle stack, POST → created in QBO (p50 / p99, ${r.idle.samples} samples) | ${n(r.idle.latencyMs.p50)} / ${n(r.idle.latencyMs.p99)} ms | one QBO request: ${r.options.qboLatencyMs} ms | goal p50 ≤ ${r.idle.goalMs} ms |`,
    `| QBO requests per invoice: first use / warm | ${p.qboRequestsPerInvoice.firstUse} / ${p.qboRequestsPerInvoice.warm} | naive: ${b.qboRequestsPerInvoice} | ${q.qboRequestsPerInvoiceNaiveOverPipeline}× fewer |`,
  ];
}

function webhookRows(r: Result): string[] {
  return [
    `| Webhook acknowledgement, ${r.deliveries} deliveries at once (p50 / p99) | ${r.ackMs.p50} / ${r.ackMs.p99} ms, ${r.refused} refused | Intuit's 3 s timeout | p99 = ${r.p99OverIntuitTimeout} of it |`,
    `| Change worker: payment notices applied | ${r.workerEventsPerSecond} events/s (${r.invoicesPaid} invoices paid in ${r.allAppliedSeconds} s) | | |`,
  ];
}

function reconcileRows(r: Result): string[] {
  const rows = r.rounds.map(
    (x: Result) =>
      `| Reconcile: ${x.tenants} tenant${x.tenants > 1 ? 's' : ''} × ${n(r.options.invoicesPerTenant)} invoices | ${x.qboRequestsPerTenant.max} QBO requests per tenant; ${x.wallSeconds} s for all | naive: ${n(r.naive.requestsPerTenant)} requests, ≈ ${n(r.naive.projectedSecondsPerTenant)} s per tenant | ${x.withinGoal ? 'within' : 'over'} goal (${x.goalRequestsPerTenant}) |`,
  );
  return rows;
}

function bundleRows(r: Result): string[] {
  const rows = [
    `| Bundles (${r.functions.length} functions): largest / slowest load | ${r.largestBundleKb} KB / ${r.slowestModuleLoadMs} ms | SDK left to the runtime: ${r.baselineLargestBundleKb} KB / ${r.baselineSlowestModuleLoadMs} ms | goals 300 KB / 100 ms |`,
  ];
  if (r.before) {
    const over =
      r.overBudget.length > 0 ? `over budget: ${r.overBudget.join(', ')}` : 'none over budget';
    rows.push(
      `| … slowest load (${r.slowestFunction}) against the code of ${r.before.code} | ${r.slowestModuleLoadMs} ms; ${over} | ${r.before.slowestModuleLoadMs} ms (${r.before.slowestFunction}), largest ${r.before.largestBundleKb} KB | ${r.slowestOverBaselineSlowest}× (goal ≤ ${r.goals.slowestOverBaselineSlowest}, ${r.withinLoadGoal ? 'met' : 'not met'}) |`,
    );
  }
  return rows;
}

/**
 * The `bundle-profile` block: each function's size, load and budget, and where the slowest
 * bundle's load goes (bench/load-profile.ts).
 */
function bundleProfile(r: Result): string {
  const p = r.profile;
  const lines = [
    `Run of ${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC on ${r.machine}; 1-minute load average ${Math.min(...r.loadAverage)} to ${Math.max(...r.loadAverage)} during the loads (2 cores).`,
    '',
    '| function | bundle | load (median of 7) | over the slowest of 11-25 | budget |',
    '|---|---|---|---|---|',
    ...r.functions.map(
      (f: Result) =>
        `| ${f.function} | ${f.bundleKb} KB | ${f.moduleLoadMs} ms | ${f.loadRatio}× | ${f.budget.bundleKb} KB, ${f.budget.loadRatio}×${f.overBudget ? ' **over**' : ''} |`,
    ),
    '',
    `Load profile of the slowest, ${r.slowestFunction} (${p.method}): import ${p.importMs} ms (median of the profiled runs, slower than unprofiled), of which V8 compiling the bundle ${p.compileMs} ms, code running at load ${round1(p.packages.reduce((n: number, x: Result) => n + x.evalMs, 0) + p.topLevelMs)} ms (${p.topLevelMs} ms in esbuild's hoisted top level, not attributable), garbage collection ${p.gcMs} ms; Node's start-up and loader outside the import ${p.nodeMs} ms.`,
    '',
    '| package | bytes in the bundle | running at load |',
    '|---|---|---|',
    ...p.packages
      .filter((x: Result) => x.kb >= 5 || x.evalMs >= 0.5)
      .map((x: Result) => `| ${x.package} | ${x.kb} KB | ${x.evalMs} ms |`),
  ];
  return lines.join('\n');
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function costRows(r: Result): string[] {
  const c = r.per1000Invoices;
  const usd = Object.entries(c.usd)
    .map(([k, v]) => `${k} $${v}`)
    .join(', ');
  const lifecycle = Math.round(c.dynamoRequests / 100) / 10;
  return [
    ...(r.before
      ? [
          `| DynamoDB requests per invoice lifecycle (push, created, paid by webhook, reconciled) | **${lifecycle}** | before issue 19: ${r.before.dynamoRequestsPerInvoice} | ${(c.dynamoRequests / 1000 / r.before.dynamoRequestsPerInvoice).toFixed(2)}× (goal ≤ 0.5) |`,
        ]
      : []),
    `| AWS cost per 1,000 invoices (push + payment + reconcile) | **$${c.totalUsd}**: ${usd} | | |`,
  ];
}

/**
 * Writes the summary table of the last full benchmark runs into the `bench` block of the docs page,
 * one row group per result found (a benchmark never run fully is left out).
 *
 * @param docFile - the page holding the block
 * @param resultsDir - where the runs wrote `<name>.json`
 */
export function writeBenchTable(
  docFile = 'docs/benchmarks.md',
  resultsDir = 'bench/results',
): void {
  const sections: [string, (r: Result) => string[]][] = [
    ['push', pushRows],
    ['webhooks', webhookRows],
    ['reconcile', reconcileRows],
    ['bundles', bundleRows],
    ['cost', costRows],
  ];
  const lines = [
    '| measure | this stack | baseline (same run) | ratio / goal |',
    '|---|---|---|---|',
  ];
  const dates: string[] = [];
  for (const [name, rows] of sections) {
    const result = load(resultsDir, name);
    if (!result) continue;
    lines.push(...rows(result));
    dates.push(`${name} ${result.measuredAt.slice(0, 16).replace('T', ' ')}`);
  }
  const machine = load(resultsDir, 'push')?.machine ?? 'this machine';
  const table = [lines.join('\n'), '', `Measured on ${machine}, runs: ${dates.join(', ')} UTC.`];
  writeMarkedBlock(docFile, 'bench', table.join('\n'));
  const bundles = load(resultsDir, 'bundles');
  if (bundles?.profile) writeMarkedBlock(docFile, 'bundle-profile', bundleProfile(bundles));
}
