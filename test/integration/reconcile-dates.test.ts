import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import type { Connection } from '#shared/domain/connection.ts';
import { localDate } from '#shared/domain/local-date.ts';
import type { QboClient, QboRequest } from '#shared/qbo/qbo-client.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { InvoiceRepository } from '#shared/store/invoice-repository.ts';
import { MappingRepository } from '#shared/store/mapping-repository.ts';
import { QboLinkRepository } from '#shared/store/qbo-link-repository.ts';
import { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { type ReconcileDeps, reconcileTenant } from '#shared/use-cases/reconcile-tenant.ts';
import { newTenantId } from '../support/local-api.ts';

const table = syncStateTable.localName;
const connections = new ConnectionRepository(table);
const runs = new ReconcileRunRepository(table);
let now = 0;
/**
 * A tenant with nothing pushed: the run itself, not QBO, is under test. The only QBO calls a run
 * makes then are its reads of the company's settings.
 */
const companyOnly = {
  companyInfo: async () => ({ CompanyName: 'Co', Country: 'US' }),
  send: async (request: QboRequest) => {
    if (request.path === 'preferences') return { Preferences: {} };
    throw new Error(`no QBO call expected: ${request.method} ${request.path}`);
  },
} as unknown as QboClient;
const deps: ReconcileDeps = {
  connections,
  runs,
  invoices: new InvoiceRepository(table),
  mappings: new MappingRepository(table),
  links: new QboLinkRepository(table),
  syncErrors: new SyncErrorRepository(table),
  claims: new RealmClaimRepository(table),
  qbo: () => companyOnly,
  clock: { now: () => now },
};

async function connectedTenant(timezone: string): Promise<string> {
  const tenantId = newTenantId();
  const connection: Connection = {
    tenantId,
    status: 'connected',
    realmId: '1',
    companyName: 'Co',
    connectedAt: '2026-01-01T00:00:00.000Z',
    refreshTokenExpiresAt: null,
    refreshTokenHardExpiresAt: null,
    timezone,
    incomeAccountId: null,
    reconnectReason: null,
    lastReconcile: null,
  };
  await connections.put(connection);
  return tenantId;
}

/**
 * When EventBridge Scheduler fires `cron(0 2 * * ? *)` in a zone: at 02:00 local on each date
 * where 02:00 exists, once; a 02:00 that does not exist (spring forward) is skipped (AWS: "your
 * schedule invocation gets skipped").
 */
function schedulerFirings(timeZone: string, from: string, days: number): string[] {
  const firings: string[] = [];
  const day = Date.parse(`${from}T00:00:00Z`) - 12 * 3600_000;
  for (let h = 0; h < (days + 1) * 24; h++) {
    const instant = new Date(day + h * 3600_000);
    const hour = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(instant);
    if (hour === '02') firings.push(instant.toISOString());
  }
  const last = new Date(Date.parse(`${from}T00:00:00Z`) + (days - 1) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  return [...new Set(firings)].filter((f) => {
    const date = localDate(f, timeZone);
    return date >= from && date <= last;
  });
}

/** Delivers each firing twice (Scheduler and SQS deliver at least once) and returns run dates. */
async function deliver(tenantId: string, firings: readonly string[]) {
  const ran: string[] = [];
  for (const scheduledFor of firings.flatMap((f) => [f, f])) {
    now = Date.parse(scheduledFor) + 60_000;
    const outcome = await reconcileTenant(deps, { tenantId, scheduledFor });
    if (typeof outcome === 'object') ran.push(outcome.localDate);
  }
  return ran;
}

describe('Reconcile: one run per tenant-local date', () => {
  it('America/New_York spring forward: the missing 2 AM is skipped and covered the next night', async () => {
    const tenantId = await connectedTenant('America/New_York');
    const firings = schedulerFirings('America/New_York', '2026-03-06', 4);
    expect(firings.map((f) => localDate(f, 'America/New_York'))).not.toContain('2026-03-08');
    const ran = await deliver(tenantId, firings);
    expect(ran).toEqual(['2026-03-06', '2026-03-07', '2026-03-09']);
    const [latest] = await runs.recent(tenantId, 1);
    expect(latest?.coveredDates).toEqual(['2026-03-08', '2026-03-09']);
  });

  it('America/New_York fall back: one run', async () => {
    const tenantId = await connectedTenant('America/New_York');
    const ran = await deliver(tenantId, schedulerFirings('America/New_York', '2026-10-31', 3));
    expect(ran).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
  });

  it('Europe/London spring forward and fall back: one run each date', async () => {
    const tenantId = await connectedTenant('Europe/London');
    const spring = await deliver(tenantId, schedulerFirings('Europe/London', '2026-03-28', 3));
    expect(spring).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    const autumn = await deliver(tenantId, schedulerFirings('Europe/London', '2026-10-24', 3));
    expect(autumn).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
  });

  it('keeps one run per date when the tenant moves from London to New York and back', async () => {
    const tenantId = await connectedTenant('Europe/London');
    const ran = await deliver(tenantId, schedulerFirings('Europe/London', '2026-06-01', 2));
    await connections.patch(tenantId, { timezone: 'America/New_York' });
    ran.push(...(await deliver(tenantId, schedulerFirings('America/New_York', '2026-06-03', 2))));
    await connections.patch(tenantId, { timezone: 'Europe/London' });
    ran.push(...(await deliver(tenantId, schedulerFirings('Europe/London', '2026-06-05', 2))));
    expect(ran.length).toBe(new Set(ran).size);
    expect(ran).toEqual([
      '2026-06-01',
      '2026-06-02',
      '2026-06-03',
      '2026-06-04',
      '2026-06-05',
      '2026-06-06',
    ]);
  });

  it('the local schedule (croner) also gives one run per date across both DST changes', async () => {
    const tenantId = await connectedTenant('America/New_York');
    const cron = new Cron('0 2 * * *', { timezone: 'America/New_York', paused: true });
    const firings = [
      ...cron.nextRuns(4, new Date('2026-03-06T00:00:00Z')),
      ...cron.nextRuns(3, new Date('2026-10-31T00:00:00Z')),
    ].map((d) => d.toISOString());
    const ran = await deliver(tenantId, firings);
    expect(ran.length).toBe(new Set(ran).size);
    expect(ran).toContain('2026-11-01');
  });
});
