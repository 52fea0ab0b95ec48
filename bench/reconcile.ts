import { DEFAULT_LIMITS } from '#emulator/limits.ts';
import { LOCAL_AWS } from '#local/dynamodb-local.ts';
import { naiveToken } from './push.ts';
import { type BenchStack, inParallel, percentile, round } from './support/stack.ts';

/** Sizes of the reconcile benchmark. */
export interface ReconcileBenchOptions {
  /** Tenant counts to measure, each a separate round, e.g. [1, 10, 100]. */
  readonly tenantCounts: readonly number[];
  readonly invoicesPerTenant: number;
  /** Invoices the naive baseline reads, one request each, to measure its rate. */
  readonly naiveSample: number;
}

/** QBO's throttle per company (docs/qbo-facts.md), which the emulator enforces. */
const QBO_PER_MINUTE = DEFAULT_LIMITS.perMinute;

interface Seeded {
  tenantId: string;
  realmId: string;
}

/** Tenants with `count` pushed invoices each, seeded straight into QBO and the sync table. */
async function seed(stack: BenchStack, tenants: number, count: number) {
  // The stack's DynamoDB Local; the seeding module reads the endpoint when it is first loaded.
  const info = (await (await fetch(`${stack.apiUrl}/_local/info`)).json()) as {
    dynamoEndpoint: string;
  };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: info.dynamoEndpoint,
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
  });
  const { seedPushedInvoices } = await import('../test/support/seed-pushed.ts');
  // Seeding creates invoices in QBO: their webhooks would load the rounds being timed.
  await stack.admin('DELETE', '/_admin/webhooks');
  return inParallel(
    Array.from({ length: tenants }, (_, t) => `bench-rec-${t}`),
    4,
    async (tenantId): Promise<Seeded> => {
      const realmId = await stack.connect(tenantId, `Reconcile ${tenantId}`);
      await seedPushedInvoices(stack.admin, tenantId, realmId, count);
      return { tenantId, realmId };
    },
  );
}

async function lastReconcile(stack: BenchStack, tenantId: string): Promise<string | null> {
  const res = await stack.call(tenantId, 'GET', '/integrations/quickbooks');
  return ((await res.json()) as { lastReconcile: string | null }).lastReconcile;
}

/** Every tenant's `POST /reconcile` at once; waits for each new run to be recorded. */
async function reconcileAll(stack: BenchStack, seeded: readonly Seeded[]) {
  const before = await Promise.all(seeded.map((s) => stack.requestCount(s.realmId)));
  const previous = await Promise.all(seeded.map((s) => lastReconcile(stack, s.tenantId)));
  const started = performance.now();
  await Promise.all(seeded.map((s) => stack.call(s.tenantId, 'POST', '/reconcile')));
  const perTenantSeconds = await Promise.all(
    seeded.map(async (s, i) => {
      for (;;) {
        const last = await lastReconcile(stack, s.tenantId);
        if (last && last !== previous[i]) return (performance.now() - started) / 1000;
        await new Promise((r) => setTimeout(r, 100));
      }
    }),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const after = await Promise.all(seeded.map((s) => stack.requestCount(s.realmId)));
  const requests = after.map((n, i) => n - (before[i] as number));
  return { wallSeconds, perTenantSeconds, requests };
}

/**
 * The baseline: one `GET /invoice/{id}` per pushed invoice, five at a time per company, on a
 * sample; its time for a whole tenant is projected from the measured rate, but never faster than
 * QBO's 500 requests a minute allow.
 */
async function naive(stack: BenchStack, tenant: Seeded, sample: number, invoices: number) {
  const admin = await stack.admin('GET', `/_admin/companies/${tenant.realmId}`);
  const ids = ((await admin.json()) as { invoices: { Id: string }[] }).invoices
    .slice(0, sample)
    .map((i) => i.Id);
  const token = await naiveToken(stack, tenant.realmId);
  const started = performance.now();
  await inParallel(ids, 5, async (id) => {
    const res = await fetch(
      `${stack.emulatorUrl}/v3/company/${tenant.realmId}/invoice/${id}?minorversion=75`,
      { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
    );
    if (res.status !== 200) throw new Error(`naive read ${id}: ${res.status}`);
    await res.arrayBuffer();
  });
  const rate = ids.length / ((performance.now() - started) / 1000);
  const projectedSeconds = invoices / Math.min(rate, QBO_PER_MINUTE / 60);
  return {
    sampleInvoices: ids.length,
    measuredReadsPerSecond: round(rate, 1),
    requestsPerTenant: invoices,
    projectedSecondsPerTenant: round(projectedSeconds, 0),
  };
}

/**
 * Reconcile (issue 9): QBO requests and wall time for each tenant count, every tenant with
 * `invoicesPerTenant` pushed invoices, reconciled at once; beside the naive one-read-per-invoice
 * baseline measured in the same run.
 *
 * @param stack - the local stack under test
 * @param o - sizes
 */
export async function reconcileBenchmark(stack: BenchStack, o: ReconcileBenchOptions) {
  // Every round reconciles the first N of the same seeded tenants.
  const seedStarted = performance.now();
  const all = await seed(stack, Math.max(...o.tenantCounts), o.invoicesPerTenant);
  const seedSeconds = round((performance.now() - seedStarted) / 1000, 0);
  const first = all[0];
  const rounds = [];
  for (const tenants of o.tenantCounts) {
    const run = await reconcileAll(stack, all.slice(0, tenants));
    rounds.push({
      tenants,
      invoices: tenants * o.invoicesPerTenant,
      wallSeconds: round(run.wallSeconds, 1),
      perTenantSeconds: {
        p50: round(percentile(run.perTenantSeconds, 50), 1),
        max: round(Math.max(...run.perTenantSeconds), 1),
      },
      qboRequestsPerTenant: { min: Math.min(...run.requests), max: Math.max(...run.requests) },
      goalRequestsPerTenant: `≤ ceil(${o.invoicesPerTenant}/1000) + 2 = ${Math.ceil(o.invoicesPerTenant / 1000) + 2}`,
      withinGoal: run.requests.every((n) => n <= Math.ceil(o.invoicesPerTenant / 1000) + 2),
    });
  }
  const baseline = first
    ? await naive(stack, first, o.naiveSample, o.invoicesPerTenant)
    : undefined;
  const one = rounds[0];
  return {
    options: o,
    seedSeconds,
    rounds,
    naive: baseline,
    ratios:
      one && baseline
        ? {
            requestsNaiveOverPipeline: round(
              baseline.requestsPerTenant / one.qboRequestsPerTenant.max,
              0,
            ),
            secondsNaiveOverPipelineOneTenant: round(
              baseline.projectedSecondsPerTenant / one.wallSeconds,
              0,
            ),
          }
        : undefined,
  };
}
