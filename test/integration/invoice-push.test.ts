import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localChangeQueue } from '#shared/adapters/local/local-queues.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { DEFAULT_PROFILE, SUITE_PROFILES, type TestProfile } from '../support/profiles.ts';
import {
  books,
  invoiceBody,
  pushInvoice,
  queueDrained,
  syncOf,
  withoutWebhooks,
} from '../support/push.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack.close());

async function connectedTenantOf(
  name = 'Smith Plumbing LLC',
  profile: TestProfile = DEFAULT_PROFILE,
) {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany(name, profile.fields);
  await stack.connect(tenantId, realmId);
  return { tenantId, realmId };
}

const connectedTenant = (name?: string) => connectedTenantOf(name);

const customerNamed = (b: Awaited<ReturnType<typeof books>>, name: string) =>
  b.customers.filter((c) => c.DisplayName === name);

describe.each(SUITE_PROFILES)('Invoice push ($name)', (profile) => {
  const tenantOnProfile = (name?: string) => connectedTenantOf(name, profile);
  /** The number QBO shows for the company's first invoice, which TradelyHQ numbered `ours`. */
  const qboNumber = (ours: string) => (profile.keepsNumbers ? ours : '1001');

  it('creates customer, items and invoice on the first push, and answers 202 at once', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    const res = await pushInvoice(stack, tenantId, 'inv_1', invoiceBody());
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'queued', revision: 1, result: 'accepted' });
    await queueDrained();

    const sync = await syncOf(stack, tenantId, 'inv_1');
    expect(sync).toMatchObject({
      status: 'pushed',
      revision: 1,
      pushedRevision: 1,
      qboDocNumber: qboNumber('INV-1001'),
      total: '934.00',
      balance: '934.00',
    });
    const b = await books(stack, realmId);
    expect(customerNamed(b, 'Jane Smith')).toHaveLength(1);
    expect(b.items.map((i) => i.Name)).toEqual(
      expect.arrayContaining(['Labor', '50 gal water heater']),
    );
    const [invoice] = b.invoices;
    expect(b.invoices).toHaveLength(1);
    expect(invoice).toMatchObject({
      Id: sync.qboInvoiceId,
      DocNumber: qboNumber('INV-1001'),
      TotalAmt: 934,
    });
  });

  it('reuses the customer and items for the second invoice of the same client: one request', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    await withoutWebhooks(stack, async () => {
      await pushInvoice(stack, tenantId, 'inv_a', invoiceBody());
      await queueDrained();
      const before = (await books(stack, realmId)).requestCount;
      await pushInvoice(
        stack,
        tenantId,
        'inv_b',
        invoiceBody((b) => {
          b.docNumber = 'INV-1002';
        }),
      );
      await queueDrained();
      const after = await books(stack, realmId);
      expect(after.requestCount - before).toBe(1);
      expect(customerNamed(after, 'Jane Smith')).toHaveLength(1);
      expect(after.invoices).toHaveLength(2);
    });
  });

  it("spends no request on QBO's notice of a create this stack made", async () => {
    const deliveries = async () => {
      const res = await stack.world.admin('GET', '/_admin/webhooks/deliveries');
      return ((await res.json()) as { deliveries: unknown[] }).deliveries.length;
    };
    const { tenantId, realmId } = await tenantOnProfile();
    await pushInvoice(stack, tenantId, 'inv_a', invoiceBody());
    await queueDrained();
    await stack.world.emulator.webhooksIdle();
    await localChangeQueue.idle();
    const before = (await books(stack, realmId)).requestCount;
    const delivered = await deliveries();
    await pushInvoice(
      stack,
      tenantId,
      'inv_b',
      invoiceBody((b) => (b.docNumber = 'INV-1002')),
    );
    await queueDrained();
    await stack.world.emulator.webhooksIdle();
    await localChangeQueue.idle();
    // The create was notified and handled, and the company's budget paid for the create alone.
    expect(await deliveries()).toBeGreaterThan(delivered);
    expect((await books(stack, realmId)).requestCount - before).toBe(1);
    expect((await syncOf(stack, tenantId, 'inv_b')).status).toBe('pushed');
  });

  it('links an existing QBO customer with the same name instead of duplicating it', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    await stack.world.admin('POST', `/_admin/companies/${realmId}/customers`, {
      DisplayName: "Jane O'Brien",
    });
    await pushInvoice(
      stack,
      tenantId,
      'inv_q',
      invoiceBody((b) => {
        b.client.displayName = "Jane O'Brien";
      }),
    );
    await queueDrained();
    const b = await books(stack, realmId);
    expect(customerNamed(b, "Jane O'Brien")).toHaveLength(1);
    expect((await syncOf(stack, tenantId, 'inv_q')).status).toBe('pushed');
  });

  it('creates a suffixed customer when a vendor holds the name, and says so on the invoice', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    await stack.world.admin('POST', `/_admin/companies/${realmId}/vendors`, {
      DisplayName: 'Jane Smith',
    });
    await pushInvoice(stack, tenantId, 'inv_v', invoiceBody());
    await queueDrained();
    const b = await books(stack, realmId);
    expect(customerNamed(b, 'Jane Smith (cl_123)')).toHaveLength(1);
    const sync = await syncOf(stack, tenantId, 'inv_v');
    expect(sync.status).toBe('pushed');
    expect(sync.notices).toEqual([expect.stringContaining('Jane Smith (cl_123)')]);
  });

  it('creates one customer when two invoices for the same new client go out at once', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    await Promise.all(
      ['inv_x', 'inv_y', 'inv_z', 'inv_w'].map((id, i) =>
        pushInvoice(
          stack,
          tenantId,
          id,
          invoiceBody((b) => {
            b.docNumber = `INV-20${i}`;
          }),
        ),
      ),
    );
    await queueDrained();
    const b = await books(stack, realmId);
    expect(customerNamed(b, 'Jane Smith')).toHaveLength(1);
    expect(b.items.filter((i) => i.Name === 'Labor')).toHaveLength(1);
    expect(b.invoices).toHaveLength(4);
  });

  it('updates the QBO invoice for a newer revision, ignores an older one and a repeat', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    await pushInvoice(stack, tenantId, 'inv_r', invoiceBody());
    await queueDrained();
    const v2 = invoiceBody((b) => {
      b.revision = 2;
      b.lines[0] && Object.assign(b.lines[0], { quantity: '4', amount: '380.00' });
      b.totals = { subtotal: '1029.00', tax: '0.00', total: '1029.00' };
    });
    const updated = await pushInvoice(stack, tenantId, 'inv_r', v2);
    expect(await updated.json()).toMatchObject({ result: 'accepted', revision: 2 });
    const repeat = await pushInvoice(stack, tenantId, 'inv_r', v2);
    expect(await repeat.json()).toMatchObject({ result: 'duplicate' });
    const old = await pushInvoice(stack, tenantId, 'inv_r', invoiceBody());
    expect(await old.json()).toMatchObject({ result: 'stale', revision: 2 });
    await queueDrained();
    const b = await books(stack, realmId);
    expect(b.invoices).toHaveLength(1);
    // The update keeps the invoice's number, QBO's own one too.
    expect(b.invoices[0]).toMatchObject({
      TotalAmt: 1029,
      SyncToken: '1',
      DocNumber: qboNumber('INV-1001'),
    });
    expect(await syncOf(stack, tenantId, 'inv_r')).toMatchObject({
      status: 'pushed',
      pushedRevision: 2,
    });
  });

  it('recovers from a stale SyncToken after a hand edit in QBO', async () => {
    const { tenantId, realmId } = await tenantOnProfile();
    await pushInvoice(stack, tenantId, 'inv_s', invoiceBody());
    await queueDrained();
    const { qboInvoiceId } = await syncOf(stack, tenantId, 'inv_s');
    await stack.world.admin('PATCH', `/_admin/companies/${realmId}/invoices/${qboInvoiceId}`, {
      DueDate: '2027-01-15',
    });
    await pushInvoice(
      stack,
      tenantId,
      'inv_s',
      invoiceBody((b) => {
        b.revision = 2;
        b.memo = 'Updated memo';
      }),
    );
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_s')).toMatchObject({
      status: 'pushed',
      pushedRevision: 2,
    });
    const [invoice] = (await books(stack, realmId)).invoices;
    expect(invoice).toMatchObject({
      DueDate: '2026-12-20',
      CustomerMemo: { value: 'Updated memo' },
    });
  });

  it('publishes invoice.queued and invoice.pushed domain events', async () => {
    const { tenantId } = await tenantOnProfile();
    await pushInvoice(stack, tenantId, 'inv_e', invoiceBody());
    await queueDrained();
    const res = await fetch(`${stack.api.url}/_local/events?tenantId=${tenantId}`);
    const { events } = (await res.json()) as { events: { type: string; invoiceId: string }[] };
    expect(events.map((e) => e.type)).toEqual(['invoice.queued', 'invoice.pushed']);
  });
});

describe('Push API input', () => {
  it('refuses a push for a tenant that is not connected with 409 quickbooks_not_connected', async () => {
    const res = await pushInvoice(stack, newTenantId(), 'inv_n', invoiceBody());
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'quickbooks_not_connected' });
  });

  it('lists every problem of a bad invoice by path, and stores nothing', async () => {
    const { tenantId } = await connectedTenant();
    const res = await pushInvoice(
      stack,
      tenantId,
      'inv_bad',
      invoiceBody((b) => {
        b.totals.total = '1.00';
        (b.lines[0] as Record<string, unknown>).quantity = 2.5;
        b.docNumber = '';
      }),
    );
    expect(res.status).toBe(400);
    const { issues } = (await res.json()) as { issues: { path: string }[] };
    expect(issues.map((i) => i.path)).toContain('docNumber');
    expect((await stack.call(tenantId, 'GET', '/invoices/inv_bad/sync')).status).toBe(404);
  });

  it('answers 404 for an invoice never pushed, and lists pushed invoices by status', async () => {
    const { tenantId } = await connectedTenant();
    expect((await stack.call(tenantId, 'GET', '/invoices/nope/sync')).status).toBe(404);
    await pushInvoice(stack, tenantId, 'inv_l1', invoiceBody());
    await pushInvoice(
      stack,
      tenantId,
      'inv_l2',
      invoiceBody((b) => {
        b.docNumber = 'INV-2';
      }),
    );
    await queueDrained();
    const res = await stack.call(tenantId, 'GET', '/invoices?status=pushed&limit=1');
    const page = (await res.json()) as { invoices: { invoiceId: string }[]; nextCursor: string };
    expect(page.invoices).toHaveLength(1);
    const next = await stack.call(
      tenantId,
      'GET',
      `/invoices?status=pushed&cursor=${page.nextCursor}`,
    );
    const rest = (await next.json()) as { invoices: { invoiceId: string }[] };
    expect([...page.invoices, ...rest.invoices].map((i) => i.invoiceId).sort()).toEqual([
      'inv_l1',
      'inv_l2',
    ]);
    expect((await stack.call(tenantId, 'GET', '/invoices?status=bogus')).status).toBe(400);
  });
});

describe('Tax and totals', () => {
  /** A company whose sales tax engine charges 8 % on taxable lines and has no tax code. */
  async function taxingCompany(tenantId: string): Promise<string> {
    const res = await stack.world.admin('POST', '/_admin/companies', {
      name: 'Taxing Co',
      taxRate: 8,
    });
    const { realmId } = (await res.json()) as { realmId: string };
    await stack.connect(tenantId, realmId);
    return realmId;
  }

  it('refuses, before creating anything, an invoice QBO would tax when there is no tax code to override it with', async () => {
    const tenantId = newTenantId();
    const realmId = await taxingCompany(tenantId);
    const before = await books(stack, realmId);
    await pushInvoice(stack, tenantId, 'inv_t', invoiceBody());
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_t')).toMatchObject({
      status: 'failed',
      lastError: { code: 'tax_code_missing' },
    });
    const { errors } = (await (await stack.call(tenantId, 'GET', '/sync-errors')).json()) as {
      errors: { kind: string; message: string }[];
    };
    expect(errors).toEqual([
      expect.objectContaining({
        kind: 'validation',
        message: expect.stringMatching(/tax code map/),
        refusal: { by: 'tradelyhq', code: expect.any(String) },
      }),
    ]);
    const held = await books(stack, realmId);
    expect([held.invoices, held.customers, held.items].map((list) => list.length)).toEqual(
      [before.invoices, before.customers, before.items].map((list) => list.length),
    );
  });

  it('opens a total_mismatch sync error showing both figures when QBO computes another total', async () => {
    const tenantId = newTenantId();
    const realmId = await taxingCompany(tenantId);
    // Settings kept from before the admin turned sales tax on (the reconcile has not read them
    // again): the push sends TAX/NON and no tax, and this company's engine charges 8 %.
    await new ConnectionRepository(syncStateTable.localName).patch(tenantId, {
      company: {
        country: 'US',
        homeCurrency: 'USD',
        multiCurrency: false,
        salesTax: 'none',
        customTxnNumbers: true,
      },
    });
    // TradelyHQ says no tax, but the water heater line is taxable and QBO charges 8 % on it.
    await pushInvoice(stack, tenantId, 'inv_t', invoiceBody());
    await queueDrained();
    // The create's webhook comes too: it must not undo the mismatch.
    await stack.world.emulator.webhooksIdle();
    await localChangeQueue.idle();
    const sync = await syncOf(stack, tenantId, 'inv_t');
    expect(sync.status).toBe('pushed');
    const { errors } = (await (await stack.call(tenantId, 'GET', '/sync-errors')).json()) as {
      errors: { kind: string; diff: unknown[]; message: string }[];
    };
    const [qboInvoice] = (await books(stack, realmId)).invoices as { TotalAmt: number }[];
    expect(qboInvoice?.TotalAmt).toBeGreaterThan(934);
    expect(errors).toEqual([
      expect.objectContaining({
        kind: 'total_mismatch',
        diff: expect.arrayContaining([
          {
            field: 'total',
            tradelyhq: '934.00',
            quickbooks: (qboInvoice?.TotalAmt ?? 0).toFixed(2),
          },
        ]),
      }),
    ]);
  });
});
