/**
 * `npm run soak`: the chaos soak at full size (10,000 invoices over 100 tenants by default) on this
 * machine, loopback only: DynamoDB Local, the emulator and the API in this process, the workers
 * in a child process that is killed at random. Prints the counts, writes them to
 * bench/results/soak.json (and, at the full size of 100 tenants × 100 invoices, as the table of
 * docs/soak.md) and exits 1 when anything was lost, duplicated, wrong or invisible, or when the run
 * outlasts its time budget.
 *
 *   npm run soak -- [--tenants 100] [--invoices 100] [--seed N] [--fault-rate 0.05] [--kills 20]
 *                   [--revocations 5] [--budget-minutes 30] [--latency-ms 0]
 *
 * Logs of the stack are off; `POWERTOOLS_LOG_LEVEL=WARN npm run soak` prints them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatReport, writeSoakTable } from './report.ts';

// The SDK's Node 20 notice (see vitest.config.ts) would bury the counts; set before it loads.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { ensureTables, LOCAL_AWS, startDynamoDbLocal } = await import('#local/dynamodb-local.ts');
const { syncStateTable, tenantProviderKeysTable } = await import('#shared/store/tables.ts');
const { applyTestEnvironment } = await import('../support/test-env.ts');

/** The full size: only a run of it writes its table into docs/soak.md. */
const FULL = { tenants: '100', invoices: '100' };
const { values: args } = parseArgs({
  options: {
    tenants: { type: 'string', default: FULL.tenants },
    invoices: { type: 'string', default: FULL.invoices },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'fault-rate': { type: 'string', default: '0.05' },
    kills: { type: 'string', default: '20' },
    revocations: { type: 'string', default: '5' },
    'budget-minutes': { type: 'string', default: '30' },
    'latency-ms': { type: 'string', default: '0' },
  },
});

const logLevel = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
const dynamo = await startDynamoDbLocal();
let failed = true;
try {
  await ensureTables(dynamo.endpoint, [syncStateTable, tenantProviderKeysTable]);
  applyTestEnvironment(dynamo.endpoint, LOCAL_AWS);
  process.env.POWERTOOLS_LOG_LEVEL = logLevel;
  // Loaded after the environment is set: handlers and queues read it at load.
  const { runSoak } = await import('./soak.ts');
  const report = await runSoak({
    tenants: Number(args.tenants),
    invoicesPerTenant: Number(args.invoices),
    seed: Number(args.seed),
    faultRate: Number(args['fault-rate']),
    kills: Number(args.kills),
    revocations: Number(args.revocations),
    timeBudgetMs: Number(args['budget-minutes']) * 60_000,
    latencyMs: Number(args['latency-ms']),
    progress: (line) => console.log(line),
    workerLog: (line) => console.log(line),
  });
  console.log(formatReport(report));
  for (const problem of report.problems) console.log(`problem: ${problem}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/soak.json', `${JSON.stringify(report, null, 2)}\n`);
  failed =
    report.lost + report.duplicated + report.wrongStatus + report.wrongContent > 0 ||
    report.invisibleFailures > 0;
  console.log(failed ? `SOAK FAILED (seed ${report.seed})` : 'soak passed');
  if (args.tenants === FULL.tenants && args.invoices === FULL.invoices) {
    writeSoakTable('docs/soak.md', report, {
      args: process.argv.slice(2).join(' '),
      passed: !failed,
      machine: `${process.platform} ${process.arch}, ${cpus().length} cores, Node ${process.version}`,
      loadAverage: loadavg()[0] ?? 0,
      finishedAt: new Date(),
    });
    console.log('table written to docs/soak.md');
  }
} catch (err) {
  console.error(`SOAK FAILED (seed ${args.seed}):`, err);
} finally {
  await dynamo.stop();
}
process.exit(failed ? 1 : 0);
