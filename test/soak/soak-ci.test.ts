import { expect, it } from 'vitest';
import { formatReport } from './report.ts';
import { runSoak } from './soak.ts';

/** `SOAK_SEED=<n> npm test -- test/soak` replays a failing plan. */
const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);

it('loses, duplicates and mislabels no invoice of 500 under faults, kills and a reconnect', async () => {
  const report = await runSoak({
    tenants: 20,
    invoicesPerTenant: 25,
    seed,
    faultRate: 0.08,
    kills: 3,
    revocations: 2,
    timeBudgetMs: 100_000,
    // The worker process's log lines go through this worker's log audit too.
    workerLog: (line) => process.stdout.write(`${line}\n`),
  });
  console.log(`chaos soak, seed ${seed}\n${formatReport(report)}`);
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({
    invoices: 500,
    lost: 0,
    duplicated: 0,
    wrongStatus: 0,
    wrongContent: 0,
    invisibleFailures: 0,
    unexpectedSyncErrors: 0,
    deadLetters: 0,
    revocations: 2,
    reconnects: 2,
    workerKills: 3,
  });
}, 120_000);
