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

function pushRows(r: Result): string[] {
  const p = r.pipeline;
  const b = r.naive;
  return [
    `| ${r.options.tenants} companies at once: ${n(p.invoices)} invoices (${r.options.tenants} tenants × ${r.options.invoicesPerTenant}) sent at once | ${p.notPushed} not pushed, ${p.pushFailedEvents} failed; ${p.invoicesPerSecondTotal} invoices/s | naive: ${b.failures} failed; ${b.invoicesPerSecondTotal} invoices/s | ${r.ratios.throughputPipelineOverNaive}× |`,
    `| Push latency, POST → created in QBO (p50 / p99) | ${n(p.latencyMs.p50)} / ${n(p.latencyMs.p99)} ms | naive: ${n(b.latencyMs.p50)} / ${n(b.latencyMs.p99)} ms | |`,
    `| One company, ${n(r.oneCompany.invoices)} invoices sent at once: invoices/s | ${r.oneCompany.invoicesPerSecond}, ${r.oneCompany.notPushed + r.oneCompany.pushFailedEvents} failed | naive: ${r.oneCompany.naive.invoicesPerSecondTotal}, ${r.oneCompany.naive.failures} failed, ${r.oneCompany.naive.refusedWith429} answered 429 | ${r.oneCompany.invoicesPerSecondPipelineOverNaive}× |`,
    `| … its QBO requests per minute | ${r.oneCompany.qboRequestsPerMinute} = **${r.oneCompany.ratioOfQboLimit}** of QBO's 500 | | goal ≥ 0.9 |`,
    `| Same, each of the ${r.options.tenants} companies at once (median) | ${p.perCompanyMedian.qboRequestsPerMinute} = ${p.perCompanyMedian.ratioOfQboLimit} of QBO's 500 (the one local process is at 100 % CPU) | | |`,
    `| QBO requests per invoice: first use / warm | ${p.qboRequestsPerInvoice.firstUse} / ${p.qboRequestsPerInvoice.warm} | naive: ${b.qboRequestsPerInvoice} | ${r.ratios.qboRequestsPerInvoiceNaiveOverPipeline}× fewer |`,
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
  return [
    `| Bundles (${r.functions.length} functions): largest / slowest load | ${r.largestBundleKb} KB / ${r.slowestModuleLoadMs} ms | SDK left to the runtime: ${r.baselineLargestBundleKb} KB / ${r.baselineSlowestModuleLoadMs} ms | goals 300 KB / 100 ms |`,
  ];
}

function costRows(r: Result): string[] {
  const c = r.per1000Invoices;
  const usd = Object.entries(c.usd)
    .map(([k, v]) => `${k} $${v}`)
    .join(', ');
  return [
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
}
