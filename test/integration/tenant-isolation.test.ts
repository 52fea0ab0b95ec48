import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localReconcileQueue } from '#shared/adapters/local/local-queues.ts';
import { routes } from '#shared/api/routes.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { TokenRepository } from '#shared/store/token-repository.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { books, invoiceBody, pushInvoice, queueDrained, syncOf } from '../support/push.ts';

let stack: TestStack;
let tenantA: string;
let realmA: string;
const tenantB = newTenantId('b');
const tokens = new TokenRepository(tenantProviderKeysTable.localName);
const syncErrors = new SyncErrorRepository(syncStateTable.localName);

beforeAll(async () => {
  stack = await startTestStack();
  tenantA = newTenantId('a');
  // A's company has tax codes (US automated sales tax makes one per region); B's has none.
  const companyA = await stack.world.admin('POST', '/_admin/companies', {
    name: 'Tenant A Co',
    salesTax: 'automated',
    astRates: { NY: 8.875 },
  });
  realmA = ((await companyA.json()) as { realmId: string }).realmId;
  await stack.world.admin('POST', `/_admin/companies/${realmA}/accounts`, {
    Name: 'Tenant A Consulting',
    AccountType: 'Income',
    AccountSubType: 'ServiceFeeIncome',
  });
  await stack.connect(tenantA, realmA);
  await pushInvoice(stack, tenantA, 'inv_shared', invoiceBody());
  await queueDrained();
  // A sync error of A's that B will try to resync, accept and dismiss.
  await syncErrors.open(
    tenantA,
    'inv_a_only',
    { kind: 'validation', docNumber: 'A-1', message: "A's problem" },
    new Date().toISOString(),
  );
  // B is a real, connected tenant: its own company, its own invoices.
  // Sales tax off: B's company has no tax code of its own, so A's code Id 1 is foreign to it.
  await stack.connect(tenantB, await stack.world.newCompany('Tenant B Co', { salesTax: 'none' }));
});
afterAll(() => stack.close());

async function statusOf(tenantId: string) {
  return (await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json()) as Record<
    string,
    unknown
  >;
}

/** What tenant A must still see after tenant B has used a route. */
async function expectTenantAUntouched() {
  expect(await statusOf(tenantA)).toMatchObject({
    status: 'connected',
    realmId: realmA,
    companyName: 'Tenant A Co',
    timezone: 'America/New_York',
  });
  expect((await tokens.get(tenantA))?.realmId).toBe(realmA);
  const grants = Object.values(stack.world.emulator.state.grants).filter(
    (g) => g.realmId === realmA,
  );
  expect(grants.some((g) => g.revokedAt === undefined)).toBe(true);
  const errorOfA = await syncErrors.get(tenantA, 'inv_a_only');
  expect(errorOfA).toMatchObject({ state: 'open', kind: 'validation' });
  expect(await syncOf(stack, tenantA, 'inv_shared')).toMatchObject({
    status: 'pushed',
    revision: 1,
  });
  expect((await books(stack, realmA)).invoices).toHaveLength(1);
}

/** One probe per JWT route: B's token used on it can neither see nor change A's connection. */
const probes: Record<string, () => Promise<void>> = {
  'GET /integrations/quickbooks': async () => {
    const seen = await statusOf(tenantB);
    expect(seen).toMatchObject({ status: 'connected', companyName: 'Tenant B Co' });
    expect(seen.realmId).not.toBe(realmA);
  },
  'GET /invoices/{invoiceId}/sync': async () => {
    const res = await stack.call(tenantB, 'GET', '/invoices/inv_shared/sync');
    expect(res.status).toBe(404);
  },
  'GET /invoices': async () => {
    const res = await stack.call(tenantB, 'GET', '/invoices');
    expect(await res.json()).toMatchObject({ invoices: [] });
  },
  'POST /invoices/{invoiceId}/push': async () => {
    // The same invoice id under B is B's own invoice, in B's company.
    const res = await pushInvoice(
      stack,
      tenantB,
      'inv_shared',
      invoiceBody((b) => {
        b.revision = 5;
      }),
    );
    expect(res.status).toBe(202);
    await queueDrained();
    expect(await syncOf(stack, tenantB, 'inv_shared')).toMatchObject({ revision: 5 });
  },
  'POST /integrations/quickbooks/connect': async () => {
    // B is connected, so B may not start over; nothing in the body can name another tenant.
    const res = await stack.call(tenantB, 'POST', '/integrations/quickbooks/connect');
    expect(res.status).toBe(409);
    const smuggled = await stack.call(tenantB, 'POST', '/integrations/quickbooks/connect', {
      tenantId: tenantA,
    });
    expect(smuggled.status).toBe(400);
  },
  'POST /integrations/quickbooks/confirm': async () => {
    // B has no approval waiting; nothing B sends can finish or touch A's connection (a real
    // approval confirmed by the wrong tenant is refused in connection-hijack.test.ts).
    const res = await stack.call(tenantB, 'POST', '/integrations/quickbooks/confirm', {
      confirmation: 'A'.repeat(43),
    });
    expect(res.status).toBe(410);
    const smuggled = await stack.call(tenantB, 'POST', '/integrations/quickbooks/confirm', {
      confirmation: 'A'.repeat(43),
      tenantId: tenantA,
    });
    expect(smuggled.status).toBe(400);
  },
  'GET /integrations/quickbooks/accounts': async () => {
    // B sees the income accounts of B's own company, never A's (A's has one more).
    const res = await stack.call(tenantB, 'GET', '/integrations/quickbooks/accounts');
    const { accounts } = (await res.json()) as { accounts: { id: string; name: string }[] };
    expect(accounts.map((a) => a.name)).not.toContain('Tenant A Consulting');
    expect(accounts.length).toBeGreaterThan(0);
  },
  'GET /integrations/quickbooks/tax-codes': async () => {
    // B sees the tax codes of B's own company (none), never A's.
    const res = await stack.call(tenantB, 'GET', '/integrations/quickbooks/tax-codes');
    expect(await res.json()).toEqual({ taxCodes: [] });
    const ofA = await stack.call(tenantA, 'GET', '/integrations/quickbooks/tax-codes');
    expect(await ofA.json()).toEqual({ taxCodes: [{ id: '1', name: 'NY', rate: 8.875 }] });
    // …and cannot map one of A's.
    const mapped = await stack.call(tenantB, 'PUT', '/integrations/quickbooks/settings', {
      taxCodeMap: { taxable: '1' },
    });
    expect(mapped.status).toBe(400);
  },
  'PUT /integrations/quickbooks/settings': async () => {
    const res = await stack.call(tenantB, 'PUT', '/integrations/quickbooks/settings', {
      timezone: 'Asia/Tokyo',
    });
    expect(await res.json()).toMatchObject({ timezone: 'Asia/Tokyo' });
    const smuggled = await stack.call(tenantB, 'PUT', '/integrations/quickbooks/settings', {
      tenantId: tenantA,
      timezone: 'Asia/Tokyo',
    });
    expect(smuggled.status).toBe(400);
  },
  'GET /sync-errors': async () => {
    const res = await stack.call(tenantB, 'GET', '/sync-errors?state=open');
    expect(await res.json()).toMatchObject({ reconnectRequired: false, errors: [] });
  },
  'POST /sync-errors/{id}/resync': async () => {
    // A's invoice id means nothing under B's token.
    const res = await stack.call(tenantB, 'POST', '/sync-errors/inv_a_only/resync');
    expect(res.status).toBe(404);
  },
  'POST /sync-errors/{id}/accept': async () => {
    expect((await stack.call(tenantB, 'POST', '/sync-errors/inv_a_only/accept')).status).toBe(404);
  },
  'POST /sync-errors/{id}/dismiss': async () => {
    const res = await stack.call(tenantB, 'POST', '/sync-errors/inv_a_only/dismiss', {
      reason: 'not mine',
    });
    expect(res.status).toBe(404);
  },
  'POST /reconcile': async () => {
    const res = await stack.call(tenantB, 'POST', '/reconcile');
    expect(res.status).toBe(202);
    await localReconcileQueue.idle();
  },
  'DELETE /integrations/quickbooks': async () => {
    const res = await stack.call(tenantB, 'DELETE', '/integrations/quickbooks');
    expect(await res.json()).toMatchObject({ status: 'disconnected', revokedAtIntuit: true });
  },
};

describe("Tenant isolation: tenant B's token on every tenant route", () => {
  it('has a probe for every JWT route', () => {
    const jwtRoutes = routes.filter((r) => r.auth === 'jwt').map((r) => `${r.method} ${r.path}`);
    expect(Object.keys(probes).sort()).toEqual(jwtRoutes.sort());
  });

  for (const [route, probe] of Object.entries(probes)) {
    it(`${route} neither shows nor changes tenant A's connection`, async () => {
      await probe();
      await expectTenantAUntouched();
    });
  }
});
