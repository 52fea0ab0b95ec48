import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTenantId } from '../support/local-api.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import type { CompanyProfileFields } from '../support/profiles.ts';
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

/** QBO's EUR rate for the contract example's issue date (company-profiles.test.ts covers rates). */
const EUR_RATES = { EUR: { '2026-11-20': 1.0876 } };

async function connectedTenant(profile: CompanyProfileFields) {
  const tenantId = newTenantId();
  const realmId = await stack.world.newCompany('Smith Plumbing LLC', profile);
  await stack.world.admin('PUT', `/_admin/companies/${realmId}/exchangerates`, EUR_RATES);
  await stack.connect(tenantId, realmId);
  return { tenantId, realmId };
}

interface PanelError {
  invoiceId: string;
  kind: string;
  message: string;
  docNumber: string | null;
}

async function openErrors(tenantId: string, query = '') {
  const res = await stack.call(tenantId, 'GET', `/sync-errors${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { errors: PanelError[] }).errors;
}

async function reconcile(tenantId: string) {
  expect((await stack.call(tenantId, 'POST', '/reconcile')).status).toBe(202);
  const { localReconcileQueue } = await import('#shared/adapters/local/local-queues.ts');
  await localReconcileQueue.idle();
  await queueDrained();
}

const inEuros = invoiceBody((b) => {
  b.currency = 'EUR';
});

describe('Currency', () => {
  it('refuses an invoice in a foreign currency without multicurrency, before anything is created in QBO', async () => {
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    const count = async () => {
      const b = await books(stack, realmId);
      return [b.customers.length, b.items.length, b.invoices.length];
    };
    const before = await count();
    await pushInvoice(stack, tenantId, 'inv_eur', inEuros);
    await queueDrained();

    const sync = await syncOf(stack, tenantId, 'inv_eur');
    expect(sync).toMatchObject({ status: 'failed', qboInvoiceId: null });
    expect((sync.lastError as { code: string }).code).toBe('currency_not_held');
    const [error] = await openErrors(tenantId);
    expect(error).toMatchObject({ invoiceId: 'inv_eur', kind: 'validation' });
    expect(error?.message).toContain('multicurrency is off');
    expect(error?.message).toContain('Send the invoice in USD');
    expect(await count()).toEqual(before);
  });

  it('reads the settings again before refusing: multicurrency turned on in QBO since the connect lets a re-sync through', async () => {
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    await pushInvoice(stack, tenantId, 'inv_eur', inEuros);
    await queueDrained();
    const [error] = await openErrors(tenantId);
    expect(error?.kind).toBe('validation');

    // The bookkeeper turns multicurrency on in QuickBooks (no reconcile has run since).
    const company = stack.world.emulator.state.companies[realmId] as unknown as {
      profile: { multiCurrency: boolean };
      preferences: { CurrencyPrefs: { MultiCurrencyEnabled: boolean } };
    };
    company.profile = { ...company.profile, multiCurrency: true };
    company.preferences.CurrencyPrefs.MultiCurrencyEnabled = true;
    const resync = await stack.call(tenantId, 'POST', `/sync-errors/${error?.invoiceId}/resync`);
    expect(resync.status).toBe(202);
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_eur')).toMatchObject({ status: 'pushed' });
    expect(await openErrors(tenantId)).toEqual([]);
    const status = await (await stack.call(tenantId, 'GET', '/integrations/quickbooks')).json();
    expect(status).toMatchObject({ company: { multiCurrency: true } });
  });

  it('with multicurrency, creates the customer in the invoice currency and the invoice carries it', async () => {
    const { tenantId, realmId } = await connectedTenant({
      multiCurrency: true,
      salesTax: 'manual',
    });
    await pushInvoice(stack, tenantId, 'inv_eur', inEuros);
    await queueDrained();

    const sync = await syncOf(stack, tenantId, 'inv_eur');
    expect(sync).toMatchObject({ status: 'pushed', total: '934.00', currency: 'EUR' });
    const b = await books(stack, realmId);
    const customer = b.customers.find((c) => c.DisplayName === 'Jane Smith');
    expect(customer?.CurrencyRef).toMatchObject({ value: 'EUR' });
    expect(b.invoices[0]).toMatchObject({
      CurrencyRef: { value: 'EUR' },
      TotalAmt: 934,
      ExchangeRate: 1.0876,
    });
    await reconcile(tenantId);
    expect(await openErrors(tenantId)).toEqual([]);
  });

  it("refuses an invoice whose client's QBO customer is in another currency, saying what to do", async () => {
    const { tenantId, realmId } = await connectedTenant({
      multiCurrency: true,
      salesTax: 'manual',
    });
    await pushInvoice(stack, tenantId, 'inv_usd', invoiceBody());
    await queueDrained();
    const before = (await books(stack, realmId)).invoices.length;

    await pushInvoice(
      stack,
      tenantId,
      'inv_eur',
      invoiceBody((b) => {
        b.currency = 'EUR';
        b.docNumber = 'INV-1002';
      }),
    );
    await queueDrained();
    const sync = await syncOf(stack, tenantId, 'inv_eur');
    expect(sync.status).toBe('failed');
    expect((sync.lastError as { code: string }).code).toBe('customer_currency');
    const [error] = await openErrors(tenantId);
    expect(error?.kind).toBe('validation');
    expect(error?.message).toContain('"Jane Smith" is in USD');
    expect(error?.message).toContain('cannot change a customer');
    expect(error?.message).toContain('separate client');
    expect((await books(stack, realmId)).invoices).toHaveLength(before);
  });

  it('never links a same-named QBO customer in another currency: creates one in the right currency, with a notice', async () => {
    const { tenantId, realmId } = await connectedTenant({
      multiCurrency: true,
      salesTax: 'manual',
    });
    await stack.world.admin('POST', `/_admin/companies/${realmId}/customers`, {
      DisplayName: 'Jane Smith',
    });
    await pushInvoice(stack, tenantId, 'inv_eur', inEuros);
    await queueDrained();

    const sync = await syncOf(stack, tenantId, 'inv_eur');
    expect(sync.status).toBe('pushed');
    expect((sync.notices as string[]).join(' ')).toContain('another currency');
    const b = await books(stack, realmId);
    const eur = b.customers.find((c) => (c.CurrencyRef as { value: string }).value === 'EUR');
    expect(eur?.DisplayName).toBe('Jane Smith (cl_123)');
    expect(b.invoices[0]?.CustomerRef).toMatchObject({ value: eur?.Id });
  });

  it('refuses a unit of account (XDR) even with multicurrency, creating nothing', async () => {
    const { tenantId, realmId } = await connectedTenant({
      multiCurrency: true,
      salesTax: 'manual',
    });
    await pushInvoice(
      stack,
      tenantId,
      'inv_sdr',
      invoiceBody((b) => {
        b.currency = 'XDR';
      }),
    );
    await queueDrained();
    const [error] = await openErrors(tenantId);
    expect(error).toMatchObject({ invoiceId: 'inv_sdr', kind: 'validation' });
    expect(error?.message).toContain('no currency XDR');
    expect((await books(stack, realmId)).customers).toHaveLength(0);
  });
});

describe('Numbering', () => {
  it('custom numbers on: a number QBO already has is a duplicate_doc_number error naming the QBO invoice, fixed by renumbering', async () => {
    const { tenantId } = await connectedTenant({ salesTax: 'manual' });
    await pushInvoice(stack, tenantId, 'inv_a', invoiceBody());
    await queueDrained();
    const holder = await syncOf(stack, tenantId, 'inv_a');

    await pushInvoice(stack, tenantId, 'inv_b', invoiceBody());
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_b')).toMatchObject({
      status: 'failed',
      lastError: { code: 'duplicate_doc_number' },
    });
    const errors = await openErrors(tenantId, '?kind=duplicate_doc_number');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ invoiceId: 'inv_b', docNumber: 'INV-1001' });
    expect(errors[0]?.message).toContain(`QuickBooks invoice ${holder.qboInvoiceId}`);
    expect(errors[0]?.message).toContain('sent from TradelyHQ invoice inv_a');

    await pushInvoice(
      stack,
      tenantId,
      'inv_b',
      invoiceBody((b) => {
        b.revision = 2;
        b.docNumber = 'INV-1001-B';
      }),
    );
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_b')).toMatchObject({
      status: 'pushed',
      qboDocNumber: 'INV-1001-B',
    });
    expect(await openErrors(tenantId)).toEqual([]);
  });

  it('a number a credit memo holds: duplicate_doc_number naming the credit memo and its Id as QBO gave them, never an invoice', async () => {
    // Issue 30, item 6: 6140 is about any sales form (docs/currency-and-numbering.md, *Numbering*).
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    const res = await stack.world.admin('POST', `/_admin/companies/${realmId}/creditmemos`, {
      DocNumber: 'INV-1001',
      TotalAmt: 40,
    });
    const memo = (await res.json()) as { Id: string };
    await pushInvoice(stack, tenantId, 'inv_cm', invoiceBody());
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_cm')).toMatchObject({
      status: 'failed',
      qboInvoiceId: null,
      lastError: { code: 'duplicate_doc_number' },
    });
    const [error] = await openErrors(tenantId, '?kind=duplicate_doc_number');
    expect(error?.message).toBe(
      `Invoice number INV-1001 is already used by QuickBooks credit memo ${memo.Id}, and ` +
        'QuickBooks refuses an invoice whose number another sales form already has. Give this ' +
        'invoice another number in TradelyHQ and send it again, or renumber that QuickBooks ' +
        'credit memo and re-sync.',
    );
    expect(error?.message).not.toContain('QuickBooks invoice');
    expect((await books(stack, realmId)).invoices).toEqual([]);
  });

  it('a number a sales receipt holds is named the same way', async () => {
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    const res = await stack.world.admin('POST', `/_admin/companies/${realmId}/salesreceipts`, {
      DocNumber: 'INV-1001',
    });
    const receipt = (await res.json()) as { Id: string };
    await pushInvoice(stack, tenantId, 'inv_sr', invoiceBody());
    await queueDrained();
    const [error] = await openErrors(tenantId, '?kind=duplicate_doc_number');
    expect(error?.message).toContain(`QuickBooks sales receipt ${receipt.Id},`);
  });

  it("custom numbers off: sends no number, shows QBO's, keeps it through an update, and the reconcile sees no drift", async () => {
    const { tenantId, realmId } = await connectedTenant({
      salesTax: 'manual',
      customTxnNumbers: false,
    });
    await pushInvoice(stack, tenantId, 'inv_1', invoiceBody());
    await queueDrained();
    const sync = await syncOf(stack, tenantId, 'inv_1');
    // The emulator keeps a number it is sent even here, as QBO does: 1001 proves none was sent.
    expect(sync).toMatchObject({ status: 'pushed', docNumber: 'INV-1001', qboDocNumber: '1001' });
    expect((await books(stack, realmId)).invoices[0]?.DocNumber).toBe('1001');

    await pushInvoice(
      stack,
      tenantId,
      'inv_1',
      invoiceBody((b) => {
        b.revision = 2;
        b.memo = 'Second visit';
      }),
    );
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_1')).toMatchObject({
      pushedRevision: 2,
      qboDocNumber: '1001',
    });
    await stack.world.emulator.webhooksIdle();
    await reconcile(tenantId);
    expect(await openErrors(tenantId)).toEqual([]);

    // A number changed by hand in QBO is still a drift.
    await withoutWebhooks(stack, async () => {
      await stack.world.admin(
        'PATCH',
        `/_admin/companies/${realmId}/invoices/${sync.qboInvoiceId}`,
        { DocNumber: '7777' },
      );
    });
    await reconcile(tenantId);
    const [drift] = await openErrors(tenantId);
    expect(drift).toMatchObject({
      kind: 'drift',
      diff: [{ field: 'docNumber', tradelyhq: '1001', quickbooks: '7777' }],
    });
  });

  it('custom numbers off: a create whose answer was lost is found by its note, never doubled', async () => {
    const { tenantId, realmId } = await connectedTenant({
      salesTax: 'manual',
      customTxnNumbers: false,
    });
    await pushInvoice(stack, tenantId, 'inv_warm', invoiceBody());
    await queueDrained();
    await stack.world.admin('POST', `/_admin/companies/${realmId}/faults`, {
      kind: 'commit_then_reset',
      count: 1,
    });
    await pushInvoice(
      stack,
      tenantId,
      'inv_lost',
      invoiceBody((b) => {
        b.docNumber = 'INV-1002';
      }),
    );
    await queueDrained();
    expect(await syncOf(stack, tenantId, 'inv_lost')).toMatchObject({
      status: 'pushed',
      qboDocNumber: '1002',
    });
    expect((await books(stack, realmId)).invoices).toHaveLength(2);
  });
});

describe('Lengths', () => {
  const long = (n: number, unit = 'x') => unit.repeat(n);

  it("pushes every field at the push contract's maximum without a 2050, shortening names as QBO's forms would, with notices", async () => {
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    const itemName = `Annual boiler service ${long(300)}`;
    await pushInvoice(
      stack,
      tenantId,
      'inv_long',
      invoiceBody((b) => {
        b.docNumber = long(21, '9');
        b.memo = long(1000);
        b.client.displayName = `Jane ${long(495)}`;
        b.client.companyName = long(500, 'C');
        b.client.email = `${long(88)}@example.com`;
        b.client.billingAddress = {
          line1: long(500),
          city: long(255),
          region: long(255),
          postalCode: long(30, '1'),
          country: long(255),
        };
        const [first, second] = b.lines as [(typeof b.lines)[number], (typeof b.lines)[number]];
        first.itemName = itemName;
        first.itemCode = null as unknown as string;
        first.description = long(4000);
        // Characters outside the Basic Multilingual Plane count twice in UTF-16.
        second.itemName = '🔧'.repeat(120);
        second.itemCode = null as unknown as string;
      }),
    );
    await queueDrained();

    const sync = await syncOf(stack, tenantId, 'inv_long');
    expect(sync).toMatchObject({ status: 'pushed', lastError: null });
    const notices = (sync.notices as string[]).join('\n');
    expect(notices).toContain('company name of the QuickBooks customer was shortened to 100');
    expect(notices).toContain('at most 100 characters in an item name');
    const b = await books(stack, realmId);
    const names = b.items.map((i) => String(i.Name));
    expect(names).toContain(itemName.slice(0, 100));
    expect(names.every((n) => n.length <= 100)).toBe(true);
    expect(String(b.customers[0]?.CompanyName)).toHaveLength(100);
  });

  it('refuses a field over its QBO maximum at the API, by path, and sends nothing', async () => {
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    const res = await pushInvoice(
      stack,
      tenantId,
      'inv_over',
      invoiceBody((b) => {
        b.docNumber = long(22, '9');
        b.memo = long(1001);
      }),
    );
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['docNumber', 'memo']));
    expect((await books(stack, realmId)).requestCount).toBe(2);
  });
});

describe('Inactive names', () => {
  it('an inactive customer re-mirrored: QBO renamed it "(deleted)", so the invoice goes to a new active customer with the plain name, and says so', async () => {
    // Issue 30, item 7 (docs/currency-and-numbering.md, *Inactive and merged names*).
    const { tenantId, realmId } = await connectedTenant({ salesTax: 'manual' });
    await pushInvoice(stack, tenantId, 'inv_1', invoiceBody());
    await queueDrained();
    const [ours] = (await books(stack, realmId)).customers as { Id: string }[];
    await stack.world.admin('PATCH', `/_admin/companies/${realmId}/customers/${ours?.Id}`, {
      Active: false,
    });

    await pushInvoice(
      stack,
      tenantId,
      'inv_2',
      invoiceBody((b) => {
        b.docNumber = 'INV-1002';
      }),
    );
    await queueDrained();
    const sync = await syncOf(stack, tenantId, 'inv_2');
    expect(sync).toMatchObject({ status: 'pushed' });
    expect(sync.notices).toEqual([
      'The QuickBooks customer "Jane Smith (deleted)" was made inactive or merged away in ' +
        "QuickBooks, so the invoice was sent to an active customer with the client's name.",
    ]);
    const after = await books(stack, realmId);
    const invoice = after.invoices.find((i) => i.DocNumber === 'INV-1002') as {
      CustomerRef: { value: string };
    };
    expect(after.customers.map((c) => [c.DisplayName, c.Active])).toEqual([
      ['Jane Smith (deleted)', false],
      ['Jane Smith', true],
    ]);
    expect(invoice.CustomerRef.value).not.toBe(ours?.Id);
    expect(await openErrors(tenantId)).toEqual([]);
  });
});
