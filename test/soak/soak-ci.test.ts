import { expect, it } from 'vitest';
import { formatReport } from './report.ts';
import { runSoak } from './soak.ts';

/**
 * Fixed plans: every run of CI plays the same invoices, faults, revocations and kills (only their
 * timing varies), so a red run is not a new plan's luck; new random plans are `npm run soak`'s job.
 * `SOAK_SEED=<n> npm run test:e2e -- test/soak` plays another plan (one a failed soak printed).
 */
const SEEDS = process.env.SOAK_SEED ? [Number(process.env.SOAK_SEED)] : [747_323];

it.each(SEEDS)(
  'loses, duplicates and mislabels no invoice of 500 under faults, kills and a reconnect (seed %i)',
  async (seed) => {
    const report = await runSoak({
      tenants: 20,
      invoicesPerTenant: 25,
      seed,
      faultRate: 0.08,
      kills: 3,
      revocations: 2,
      // About a minute alone; CI's 2 cores also run the other tiers' workers beside it.
      timeBudgetMs: 240_000,
      // The worker process's log lines go through this worker's log audit too.
      workerLog: (line) => process.stdout.write(`${line}\n`),
    });
    console.log(`chaos soak, seed ${seed}\n${formatReport(report)}`);
    expect(report.problems).toEqual([]);
    // Batching was on, and the faults and kills met batch requests too.
    expect(report.batchRequests).toBeGreaterThan(0);
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
  },
  260_000,
);
