import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, seedInvoice, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

interface Fault {
  Fault: { Error: { Message: string; Detail: string; code: string }[]; type: string };
  time: string;
}

describe('Emulator: Accounting API', () => {
  let h: Harness;
  let realmId: string;
  let token: string;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    const connected = await h.connectedCompany('Acme Plumbing');
    realmId = connected.realmId;
    token = connected.token.access_token;
  });

  const call = <T = Json>(method: string, path: string, body?: unknown) =>
    h.apiJson<T>(realmId, token, method, path, body);
  const query = async (q: string) =>
    call('GET', `/query?query=${encodeURIComponent(q)}&minorversion=75`);
  const faultCode = (json: unknown) => (json as Fault).Fault.Error[0]?.code;

  describe('company and accounts', () => {
    it('serves CompanyInfo, Preferences and seeded income accounts', async () => {
      const info = await call('GET', `/companyinfo/${realmId}?minorversion=75`);
      expect(info.status).toBe(200);
      expect(info.json.CompanyInfo.CompanyName).toBe('Acme Plumbing');
      expect(info.json.CompanyInfo.Country).toBe('US');
      const prefs = await call('GET', '/preferences');
      expect(prefs.json.Preferences.TaxPrefs).toBeDefined();
      const income = await query("SELECT * FROM Account WHERE AccountType = 'Income'");
      expect(income.json.QueryResponse.Account.length).toBeGreaterThanOrEqual(2);
      for (const a of income.json.QueryResponse.Account) expect(a.AccountType).toBe('Income');
    });
  });

  describe('customers and items', () => {
    it('creates a customer in the shape QBO returns and reads it back', async () => {
      const created = await call('POST', '/customer?minorversion=75', {
        DisplayName: 'Doe5, Jane',
      });
      expect(created.status).toBe(200);
      const c = created.json.Customer;
      expect(c).toMatchObject({
        DisplayName: 'Doe5, Jane',
        FullyQualifiedName: 'Doe5, Jane',
        PrintOnCheckName: 'Doe5, Jane',
        Active: true,
        Balance: 0,
        SyncToken: '0',
        domain: 'QBO',
        sparse: false,
      });
      expect(typeof c.Id).toBe('string');
      expect(c.MetaData.CreateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$/);
      expect(created.json.time).toMatch(/\.\d{3}[-+]\d\d:\d\d$/);
      const read = await call('GET', `/customer/${c.Id}`);
      expect(read.json.Customer).toEqual(c);
    });

    it('builds DisplayName from the name parts', async () => {
      const created = await call('POST', '/customer', { GivenName: 'Ada', FamilyName: 'Lovelace' });
      expect(created.json.Customer.DisplayName).toBe('Ada Lovelace');
    });

    it('rejects a duplicate customer DisplayName with 6240, ignoring case', async () => {
      await call('POST', '/customer', { DisplayName: 'Bob Builder' });
      const dup = await call('POST', '/customer', { DisplayName: 'bob builder' });
      expect(dup.status).toBe(400);
      expect(dup.json).toMatchObject({
        Fault: {
          Error: [{ Message: 'Duplicate Name Exists Error', code: '6240' }],
          type: 'ValidationFault',
        },
      });
    });

    it('rejects a customer named like an existing vendor with 6240', async () => {
      await h.admin('POST', `/_admin/companies/${realmId}/vendors`, { DisplayName: 'Pipe Supply' });
      const dup = await call('POST', '/customer', { DisplayName: 'Pipe Supply' });
      expect(dup.status).toBe(400);
      expect(faultCode(dup.json)).toBe('6240');
      expect((dup.json as Fault).Fault.Error[0]?.Detail).toContain('vendor');
    });

    it('rejects a customer named like an existing employee with 6240', async () => {
      await h.admin('POST', `/_admin/companies/${realmId}/employees`, {
        GivenName: 'Pat',
        FamilyName: 'Plumber',
      });
      const dup = await call('POST', '/customer', { DisplayName: 'Pat Plumber' });
      expect(faultCode(dup.json)).toBe('6240');
    });

    it('rejects a duplicate item Name with 6240', async () => {
      const item = { Name: 'Labor', Type: 'Service', IncomeAccountRef: { value: '1' } };
      expect((await call('POST', '/item', item)).status).toBe(200);
      const dup = await call('POST', '/item', { ...item, Type: 'NonInventory' });
      expect(faultCode(dup.json)).toBe('6240');
    });

    it('creates NonInventory items and requires IncomeAccountRef', async () => {
      const ok = await call('POST', '/item', {
        Name: 'Pipe',
        Type: 'NonInventory',
        UnitPrice: 12.5,
        IncomeAccountRef: { value: '2' },
      });
      expect(ok.json.Item).toMatchObject({
        Type: 'NonInventory',
        UnitPrice: 12.5,
        IncomeAccountRef: { value: '2', name: 'Sales of Product Income' },
      });
      const missing = await call('POST', '/item', { Name: 'Valve', Type: 'Service' });
      expect(faultCode(missing.json)).toBe('2020');
      const bad = await call('POST', '/item', {
        Name: 'Valve',
        Type: 'Service',
        IncomeAccountRef: { value: '999' },
      });
      expect(faultCode(bad.json)).toBe('2500');
    });

    it('rejects unknown properties with 2010 and unknown ids with 610', async () => {
      const bad = await call('POST', '/customer', { DisplayName: 'X', BadJson: 1 });
      expect(faultCode(bad.json)).toBe('2010');
      expect((bad.json as Fault).Fault.Error[0]?.Detail).toContain('BadJson');
      const missing = await call('GET', '/customer/424242');
      expect(missing.status).toBe(400);
      expect(faultCode(missing.json)).toBe('610');
    });
  });

  describe('invoices', () => {
    it('computes lines, totals, balance and a DocNumber', async () => {
      const { customerId, invoice } = await seedInvoice(h, realmId, token, 100);
      expect(invoice).toMatchObject({
        TotalAmt: 100,
        Balance: 100,
        SyncToken: '0',
        LinkedTxn: [],
        CustomerRef: { value: customerId },
        TxnTaxDetail: { TotalTax: 0 },
      });
      expect(invoice.DocNumber).toMatch(/^\d+$/);
      const lines = invoice.Line as Json[];
      expect(lines.at(-1)).toMatchObject({ DetailType: 'SubTotalLineDetail', Amount: 100 });
      expect(lines[0]).toMatchObject({
        Id: '1',
        LineNum: 1,
        SalesItemLineDetail: { ItemRef: { value: '1', name: 'Services' } },
      });
      const second = await seedInvoice(h, realmId, token, 5);
      expect(Number(second.invoice.DocNumber)).toBe(Number(invoice.DocNumber) + 1);
    });

    it('derives Amount from Qty × UnitPrice and applies the company tax rate', async () => {
      const taxed = await h.admin<{ realmId: string }>('POST', '/_admin/companies', {
        name: 'Taxed Co',
        taxRate: 8.25,
      });
      const t = (await h.connect(taxed.realmId)).access_token;
      const customer = await h.apiJson<Json>(taxed.realmId, t, 'POST', '/customer', {
        DisplayName: 'Tax Payer',
      });
      const res = await h.apiJson<Json>(taxed.realmId, t, 'POST', '/invoice', {
        CustomerRef: { value: customer.json.Customer.Id },
        Line: [
          {
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: {
              ItemRef: { value: '1' },
              Qty: 3,
              UnitPrice: 40,
              TaxCodeRef: { value: 'TAX' },
            },
          },
          {
            Amount: 10,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: '2' } },
          },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.json.Invoice.Line[0].Amount).toBe(120);
      expect(res.json.Invoice.TxnTaxDetail.TotalTax).toBe(9.9);
      expect(res.json.Invoice.TotalAmt).toBe(139.9);
      expect(res.json.Invoice.Balance).toBe(139.9);
    });

    it('requires CustomerRef (2020) and a live customer (2500)', async () => {
      const line = [
        {
          Amount: 1,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' } },
        },
      ];
      const noCustomer = await call('POST', '/invoice', { Line: line });
      expect(noCustomer.status).toBe(400);
      expect(faultCode(noCustomer.json)).toBe('2020');
      const badCustomer = await call('POST', '/invoice', {
        CustomerRef: { value: '9999' },
        Line: line,
      });
      expect(faultCode(badCustomer.json)).toBe('2500');
      const badItem = await call('POST', '/invoice', {
        CustomerRef: { value: (await seedInvoice(h, realmId, token)).customerId },
        Line: [{ ...line[0], SalesItemLineDetail: { ItemRef: { value: '777' } } }],
      });
      expect(faultCode(badItem.json)).toBe('2500');
    });

    it('does a sparse update, bumps SyncToken and rejects a stale one with 5010', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 100);
      const updated = await call('POST', '/invoice', {
        Id: invoice.Id,
        SyncToken: '0',
        sparse: true,
        DueDate: '2031-01-31',
      });
      expect(updated.status).toBe(200);
      expect(updated.json.Invoice).toMatchObject({
        SyncToken: '1',
        DueDate: '2031-01-31',
        TotalAmt: 100,
      });
      const stale = await call('POST', '/invoice', {
        Id: invoice.Id,
        SyncToken: '0',
        sparse: true,
        PrivateNote: 'late',
      });
      expect(stale.status).toBe(400);
      expect(stale.json).toMatchObject({
        Fault: {
          Error: [{ Message: 'Stale Object Error', code: '5010' }],
          type: 'ValidationFault',
        },
      });
    });

    it('does a full update that replaces lines and drops omitted fields', async () => {
      const { invoice, customerId } = await seedInvoice(h, realmId, token, 100);
      await call('POST', '/invoice', {
        Id: invoice.Id,
        SyncToken: '0',
        sparse: true,
        PrivateNote: 'keep?',
      });
      const full = await call('POST', '/invoice?operation=update', {
        Id: invoice.Id,
        SyncToken: '1',
        CustomerRef: { value: customerId },
        Line: [
          {
            Amount: 250,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: '2' } },
          },
        ],
      });
      expect(full.status).toBe(200);
      expect(full.json.Invoice.TotalAmt).toBe(250);
      expect(full.json.Invoice.Balance).toBe(250);
      expect(full.json.Invoice.PrivateNote).toBeUndefined();
      expect(full.json.Invoice.SyncToken).toBe('2');
    });

    it('voids: every amount 0, PrivateNote Voided, SyncToken bumped', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 80);
      const voided = await call('POST', '/invoice?operation=void', {
        Id: invoice.Id,
        SyncToken: invoice.SyncToken,
      });
      expect(voided.status).toBe(200);
      const v = voided.json.Invoice;
      expect(v).toMatchObject({ TotalAmt: 0, Balance: 0, PrivateNote: 'Voided', SyncToken: '1' });
      for (const line of v.Line) expect(line.Amount).toBe(0);
    });

    it('deletes: answers the Deleted stub and the invoice is gone from reads and queries', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 80);
      const deleted = await call('POST', '/invoice?operation=delete', {
        Id: invoice.Id,
        SyncToken: invoice.SyncToken,
      });
      expect(deleted.json.Invoice).toEqual({ domain: 'QBO', status: 'Deleted', Id: invoice.Id });
      expect(faultCode((await call('GET', `/invoice/${invoice.Id}`)).json)).toBe('610');
      const q = await query(`SELECT * FROM Invoice WHERE Id = '${invoice.Id}'`);
      expect(q.json.QueryResponse).toEqual({});
      const state = await h.admin<Json>('GET', `/_admin/companies/${realmId}`);
      expect(state.invoices.map((i: Json) => i.Id)).not.toContain(invoice.Id);
    });

    it('refuses to delete a customer (QBO only deactivates name-list entities)', async () => {
      const { customerId } = await seedInvoice(h, realmId, token);
      const res = await call('POST', '/customer?operation=delete', {
        Id: customerId,
        SyncToken: '0',
      });
      expect(res.status).toBe(400);
    });
  });

  describe('invoice money rules', () => {
    /** A connected company with automated sales tax at `rate` %, a customer and a service item. */
    async function taxedCompany(rate: number) {
      const { realmId: r } = await h.admin<{ realmId: string }>('POST', '/_admin/companies', {
        name: `Taxed ${rate}`,
        taxRate: rate,
      });
      const t = (await h.connect(r)).access_token;
      const c = await h.apiJson<Json>(r, t, 'POST', '/customer', { DisplayName: "O'Brien & Co" });
      const post = (path: string, body: unknown) => h.apiJson<Json>(r, t, 'POST', path, body);
      return { realmId: r, token: t, customerId: c.json.Customer.Id as string, post };
    }
    const sales = (qty: number, unitPrice: number, tax: 'TAX' | 'NON', amount?: number) => ({
      ...(amount === undefined ? {} : { Amount: amount }),
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: {
        ItemRef: { value: '1' },
        Qty: qty,
        UnitPrice: unitPrice,
        TaxCodeRef: { value: tax },
      },
    });

    it('rounds Qty × UnitPrice half-up to cents despite float noise', async () => {
      const { customerId } = await seedInvoice(h, realmId, token, 1);
      // 128.35 × 14.5 is 1861.075 exactly, 1861.0749999999998 in binary floating point.
      const derived = await call('POST', '/invoice', {
        CustomerRef: { value: customerId },
        Line: [sales(128.35, 14.5, 'NON')],
      });
      expect(derived.json.Invoice.Line[0].Amount).toBe(1861.08);
      expect(derived.json.Invoice.TotalAmt).toBe(1861.08);
      const supplied = await call('POST', '/invoice', {
        CustomerRef: { value: customerId },
        Line: [sales(128.35, 14.5, 'NON', 1861.08)],
      });
      expect(supplied.status).toBe(200);
    });

    it('rejects a line whose Amount is not Qty × UnitPrice with 6070', async () => {
      const { customerId } = await seedInvoice(h, realmId, token, 1);
      const res = await call('POST', '/invoice', {
        CustomerRef: { value: customerId },
        Line: [sales(7, 225, 'NON', 1000)],
      });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        Fault: {
          Error: [
            {
              code: '6070',
              Detail: expect.stringContaining(
                'Amount is not equal to UnitPrice * Qty. Supplied value:1,000',
              ),
            },
          ],
          type: 'ValidationFault',
        },
      });
    });

    it('totals the rounded line amounts, so TotalAmt is the sum of the lines', async () => {
      const { customerId } = await seedInvoice(h, realmId, token, 1);
      const line = {
        Amount: 0.005,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: { value: '1' } },
      };
      const res = await call('POST', '/invoice', {
        CustomerRef: { value: customerId },
        Line: [line, line, line],
      });
      const amounts = (res.json.Invoice.Line as Json[])
        .filter((l) => l.DetailType === 'SalesItemLineDetail')
        .map((l) => l.Amount);
      expect(amounts).toEqual([0.01, 0.01, 0.01]);
      expect(res.json.Invoice.TotalAmt).toBe(0.03);
      expect(res.json.Invoice.Balance).toBe(0.03);
    });

    it('taxes TAX lines only, applies a percent discount, and echoes the sent fields', async () => {
      const co = await taxedCompany(10);
      const res = await co.post('/invoice?requestid=push-1', {
        CustomerRef: { value: co.customerId },
        DocNumber: 'INV-1001',
        TxnDate: '2030-01-15',
        DueDate: '2030-02-14',
        BillEmail: { Address: 'ap@obrien.example' },
        PrivateNote: 'pushed by the pipeline',
        CustomerMemo: { value: 'Thanks for your business' },
        Line: [
          sales(2, 50, 'TAX', 100),
          sales(1, 50, 'NON', 50),
          {
            DetailType: 'DiscountLineDetail',
            DiscountLineDetail: { PercentBased: true, DiscountPercent: 10 },
          },
        ],
      });
      expect(res.status).toBe(200);
      const inv = res.json.Invoice;
      expect(inv).toMatchObject({
        DocNumber: 'INV-1001',
        TxnDate: '2030-01-15',
        DueDate: '2030-02-14',
        BillEmail: { Address: 'ap@obrien.example' },
        PrivateNote: 'pushed by the pipeline',
        CustomerMemo: { value: 'Thanks for your business' },
        CustomerRef: { value: co.customerId, name: "O'Brien & Co" },
        ApplyTaxAfterDiscount: false,
        TxnTaxDetail: { TotalTax: 10 },
        TotalAmt: 145,
        Balance: 145,
      });
      expect(inv.Line.find((l: Json) => l.DetailType === 'DiscountLineDetail').Amount).toBe(15);
      expect(inv.Line.find((l: Json) => l.DetailType === 'SubTotalLineDetail').Amount).toBe(150);
      const found = await h.apiJson<Json>(
        co.realmId,
        co.token,
        'GET',
        `/query?query=${encodeURIComponent("SELECT * FROM Invoice WHERE DocNumber = 'INV-1001'")}`,
      );
      expect(found.json.QueryResponse.Invoice.map((i: Json) => i.TotalAmt)).toEqual([145]);
    });

    it('lowers the taxable amount by the discount when ApplyTaxAfterDiscount is true', async () => {
      const co = await taxedCompany(10);
      const res = await co.post('/invoice', {
        CustomerRef: { value: co.customerId },
        ApplyTaxAfterDiscount: true,
        Line: [
          sales(1, 100, 'TAX'),
          sales(1, 50, 'NON'),
          { Amount: 15, DetailType: 'DiscountLineDetail', DiscountLineDetail: {} },
        ],
      });
      // Discount 15 spread pro rata: 10 of it lowers the taxable 100 to 90 → tax 9.
      expect(res.json.Invoice).toMatchObject({ TxnTaxDetail: { TotalTax: 9 }, TotalAmt: 144 });
    });

    it('rejects a tax code other than TAX or NON with 6100, naming the value sent', async () => {
      // Intuit's error code list (6100 "Invalid Line TaxCode in the request"); the Detail as
      // integrators recorded it (emulator/README.md).
      const co = await taxedCompany(8);
      const line = sales(1, 10, 'TAX');
      line.SalesItemLineDetail.TaxCodeRef = { value: '10' } as never;
      const res = await co.post('/invoice', {
        CustomerRef: { value: co.customerId },
        Line: [line],
      });
      expect(res.status).toBe(400);
      expect(res.json.Fault).toEqual({
        type: 'ValidationFault',
        Error: [
          {
            Message: 'Invalid Line TaxCode in the request',
            Detail: 'Valid line TaxCodes for US should be TAX or NON. Supplied value: 10',
            code: '6100',
          },
        ],
      });
      // Case matters: "Tax" is not TAX.
      line.SalesItemLineDetail.TaxCodeRef = { value: 'Tax' } as never;
      const cased = await co.post('/invoice', {
        CustomerRef: { value: co.customerId },
        Line: [line],
      });
      expect(faultCode(cased.json)).toBe('6100');
    });

    it('zeroes quantities on void so the voided invoice can still be updated', async () => {
      const { customerId } = await seedInvoice(h, realmId, token, 1);
      const created = await call('POST', '/invoice', {
        CustomerRef: { value: customerId },
        Line: [sales(3, 40, 'NON', 120)],
      });
      const voided = await call('POST', '/invoice?operation=void', {
        Id: created.json.Invoice.Id,
        SyncToken: '0',
      });
      expect(voided.json.Invoice.Line[0]).toMatchObject({
        Amount: 0,
        SalesItemLineDetail: { Qty: 0, UnitPrice: 40 },
      });
      const noted = await call('POST', '/invoice', {
        Id: created.json.Invoice.Id,
        SyncToken: '1',
        sparse: true,
        PrivateNote: 'Voided: duplicate',
      });
      expect(noted.status).toBe(200);
      expect(noted.json.Invoice).toMatchObject({ TotalAmt: 0, Balance: 0, SyncToken: '2' });
    });

    it('shows a renamed customer and item on existing invoices without bumping them', async () => {
      const { invoice, customerId } = await seedInvoice(h, realmId, token, 10);
      const customer = (await call('GET', `/customer/${customerId}`)).json.Customer;
      await call('POST', '/customer', {
        Id: customerId,
        SyncToken: customer.SyncToken,
        sparse: true,
        DisplayName: 'Renamed Ltd',
      });
      await h.admin('PATCH', `/_admin/companies/${realmId}/items/1`, { Name: 'Consulting' });
      const inv = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
      expect(inv.CustomerRef).toEqual({ value: customerId, name: 'Renamed Ltd' });
      expect(inv.Line[0].SalesItemLineDetail.ItemRef).toEqual({ value: '1', name: 'Consulting' });
      expect(inv.SyncToken).toBe(invoice.SyncToken);
    });
  });

  describe('payments', () => {
    it('pays an invoice in full: Balance 0 and LinkedTxn both ways', async () => {
      const { invoice, customerId } = await seedInvoice(h, realmId, token, 120);
      const pay = await call('POST', '/payment', {
        CustomerRef: { value: customerId },
        TotalAmt: 120,
        Line: [{ Amount: 120, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }],
      });
      expect(pay.status).toBe(200);
      expect(pay.json.Payment).toMatchObject({
        TotalAmt: 120,
        UnappliedAmt: 0,
        Line: [{ Amount: 120, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }],
      });
      const inv = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
      expect(inv.Balance).toBe(0);
      expect(inv.TotalAmt).toBe(120);
      expect(inv.LinkedTxn).toEqual([{ TxnId: pay.json.Payment.Id, TxnType: 'Payment' }]);
      expect(inv.SyncToken).toBe('1');
      const customer = (await call('GET', `/customer/${customerId}`)).json.Customer;
      expect(customer.Balance).toBe(0);
    });

    it('applies partial payments and keeps the open balance', async () => {
      const { invoice, customerId } = await seedInvoice(h, realmId, token, 459);
      const first = await h.admin<Json>('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: invoice.Id,
        amount: 220,
      });
      expect(first.TotalAmt).toBe(220);
      let inv = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
      expect(inv.Balance).toBe(239);
      expect((await call('GET', `/customer/${customerId}`)).json.Customer.Balance).toBe(239);
      await h.admin('POST', `/_admin/companies/${realmId}/payments`, { invoiceId: invoice.Id });
      inv = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
      expect(inv.Balance).toBe(0);
      expect(inv.LinkedTxn).toHaveLength(2);
    });

    it('refuses an admin payment against an invoice with nothing left to pay', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 25);
      await h.admin('POST', `/_admin/companies/${realmId}/payments`, { invoiceId: invoice.Id });
      const again = await h.adminRaw('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: invoice.Id,
      });
      expect(again.status).toBe(400);
      expect(faultCode(await again.json())).toBe('6000');
      const state = await h.admin<Json>('GET', `/_admin/companies/${realmId}`);
      expect(state.payments).toHaveLength(1);
    });

    it('refuses to apply more than the open balance (6000)', async () => {
      const { invoice, customerId } = await seedInvoice(h, realmId, token, 50);
      const res = await call('POST', '/payment', {
        CustomerRef: { value: customerId },
        TotalAmt: 60,
        Line: [{ Amount: 60, LinkedTxn: [{ TxnId: invoice.Id, TxnType: 'Invoice' }] }],
      });
      expect(res.status).toBe(400);
      expect(faultCode(res.json)).toBe('6000');
    });

    it('restores the balance when a payment is deleted from the admin API', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 70);
      const payment = await h.admin<Json>('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: invoice.Id,
      });
      await h.admin('DELETE', `/_admin/companies/${realmId}/payments/${payment.Id}`);
      const inv = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
      expect(inv.Balance).toBe(70);
      expect(inv.LinkedTxn).toEqual([]);
    });

    it('unapplies payments from a voided invoice', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 90);
      const payment = await h.admin<Json>('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: invoice.Id,
        amount: 40,
      });
      await h.admin('POST', `/_admin/companies/${realmId}/invoices/${invoice.Id}/void`);
      const p = (await call('GET', `/payment/${payment.Id}`)).json.Payment;
      expect(p.UnappliedAmt).toBe(40);
      expect(p.Line).toEqual([]);
      const inv = (await call('GET', `/invoice/${invoice.Id}`)).json.Invoice;
      expect(inv).toMatchObject({ TotalAmt: 0, Balance: 0, LinkedTxn: [] });
    });
  });

  describe('requestid', () => {
    it('returns the first result for a repeated create and creates nothing', async () => {
      const body = { DisplayName: 'Idem Potent' };
      const first = await call('POST', '/customer?requestid=req-1', body);
      const second = await call('POST', '/customer?requestid=req-1', body);
      expect(second.status).toBe(200);
      expect(second.json).toEqual(first.json);
      const { customerId, invoice } = await seedInvoice(h, realmId, token);
      const invoiceBody = {
        CustomerRef: { value: customerId },
        Line: invoice.Line,
      };
      const a = await call('POST', '/invoice?requestid=inv-7', invoiceBody);
      const b = await call('POST', '/invoice?requestid=inv-7', invoiceBody);
      expect(b.json.Invoice.Id).toBe(a.json.Invoice.Id);
      const state = await h.admin<Json>('GET', `/_admin/companies/${realmId}`);
      expect(state.customers.filter((c: Json) => c.DisplayName === 'Idem Potent')).toHaveLength(1);
      expect(state.invoices).toHaveLength(2);
    });

    it('replays the original response even after the invoice has changed', async () => {
      const { customerId, invoice } = await seedInvoice(h, realmId, token, 80);
      const body = { CustomerRef: { value: customerId }, Line: invoice.Line };
      const first = await call('POST', '/invoice?requestid=snap-1', body);
      await h.admin('POST', `/_admin/companies/${realmId}/payments`, {
        invoiceId: first.json.Invoice.Id,
        amount: 30,
      });
      const replay = await call('POST', '/invoice?requestid=snap-1', body);
      expect(replay.json).toEqual(first.json);
      expect(replay.json.Invoice).toMatchObject({ Balance: 80, SyncToken: '0' });
      const live = (await call('GET', `/invoice/${first.json.Invoice.Id}`)).json.Invoice;
      expect(live).toMatchObject({ Balance: 50, SyncToken: '1' });
    });

    it('scopes a requestid to its realm', async () => {
      const other = await h.connectedCompany('Other Realm');
      const body = { DisplayName: 'Same Request' };
      const here = await call('POST', '/customer?requestid=shared-1', body);
      const there = await h.apiJson<Json>(
        other.realmId,
        other.token.access_token,
        'POST',
        '/customer?requestid=shared-1',
        body,
      );
      expect(here.status).toBe(200);
      expect(there.status).toBe(200);
      const otherState = await h.admin<Json>('GET', `/_admin/companies/${other.realmId}`);
      expect(otherState.customers.map((c: Json) => c.DisplayName)).toEqual(['Same Request']);
    });

    it('answers a repeat of a refused request with the same refusal, even once corrected', async () => {
      const bad = await call('POST', '/customer?requestid=req-fail', { DisplayName: '' });
      expect(bad.status).toBe(400);
      const replay = await call('POST', '/customer?requestid=req-fail', { DisplayName: 'Fixed' });
      expect(replay.status).toBe(400);
      expect(replay.json.Fault).toEqual(bad.json.Fault);
      const fresh = await call('POST', '/customer?requestid=req-fixed', { DisplayName: 'Fixed' });
      expect(fresh.status).toBe(200);
    });
  });

  describe('query', () => {
    beforeEach(async () => {
      for (const name of ["Amy's Bird Sanctuary", 'Bill Windsurf', 'Cool Cars', 'Cool Boats']) {
        await call('POST', '/customer', { DisplayName: name });
      }
    });

    it('filters with = on a name with an escaped quote', async () => {
      const res = await query(
        "select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'",
      );
      expect(res.status).toBe(200);
      expect(res.json.QueryResponse.Customer).toHaveLength(1);
      expect(res.json.QueryResponse).toMatchObject({ startPosition: 1, maxResults: 1 });
    });

    it('supports LIKE, IN and AND', async () => {
      const like = await query("SELECT * FROM Customer WHERE DisplayName LIKE 'Cool%'");
      expect(like.json.QueryResponse.Customer.map((c: Json) => c.DisplayName).sort()).toEqual([
        'Cool Boats',
        'Cool Cars',
      ]);
      const ids = like.json.QueryResponse.Customer.map((c: Json) => `'${c.Id}'`).join(',');
      const inQuery = await query(`SELECT * FROM Customer WHERE Id IN (${ids})`);
      expect(inQuery.json.QueryResponse.Customer).toHaveLength(2);
      const and = await query(
        `SELECT * FROM Customer WHERE Id IN (${ids}) AND DisplayName LIKE '%Cars'`,
      );
      expect(and.json.QueryResponse.Customer.map((c: Json) => c.DisplayName)).toEqual([
        'Cool Cars',
      ]);
    });

    it('pages with STARTPOSITION and MAXRESULTS and counts with COUNT(*)', async () => {
      const count = await query('SELECT COUNT(*) FROM Customer');
      expect(count.json.QueryResponse).toEqual({ totalCount: 4 });
      const page1 = await query('SELECT * FROM Customer ORDERBY Id STARTPOSITION 1 MAXRESULTS 3');
      const page2 = await query('SELECT * FROM Customer ORDERBY Id STARTPOSITION 4 MAXRESULTS 3');
      expect(page1.json.QueryResponse.Customer).toHaveLength(3);
      expect(page2.json.QueryResponse).toMatchObject({ startPosition: 4, maxResults: 1 });
      const all = [...page1.json.QueryResponse.Customer, ...page2.json.QueryResponse.Customer];
      expect(new Set(all.map((c: Json) => c.Id)).size).toBe(4);
    });

    it('compares DocNumber as text and orders Ids as numbers', async () => {
      const { customerId } = await seedInvoice(h, realmId, token, 1);
      const line = {
        Amount: 5,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: { ItemRef: { value: '1' } },
      };
      for (const doc of ['0042', '42']) {
        await call('POST', '/invoice', {
          CustomerRef: { value: customerId },
          DocNumber: doc,
          Line: [line],
        });
      }
      const res = await query("SELECT * FROM Invoice WHERE DocNumber = '42'");
      expect(res.json.QueryResponse.Invoice.map((i: Json) => i.DocNumber)).toEqual(['42']);
      for (let i = 0; i < 8; i += 1) await call('POST', '/customer', { DisplayName: `Extra ${i}` });
      const ordered = await query('SELECT * FROM Customer ORDERBY Id DESC MAXRESULTS 3');
      const ids = ordered.json.QueryResponse.Customer.map((c: Json) => Number(c.Id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(ids[0]).toBeGreaterThanOrEqual(10);
    });

    it('omits the entity key when nothing matches', async () => {
      const res = await query("SELECT * FROM Customer WHERE DisplayName = 'Nobody'");
      expect(res.json.QueryResponse).toEqual({});
    });

    it('hides inactive customers unless Active is asked for', async () => {
      const c = await call('POST', '/customer', { DisplayName: 'Gone Fishing' });
      await call('POST', '/customer', { ...c.json.Customer, Active: false });
      expect((await query('SELECT COUNT(*) FROM Customer')).json.QueryResponse.totalCount).toBe(4);
      const inactive = await query('SELECT * FROM Customer WHERE Active = false');
      // Made inactive, it is renamed as QBO renames it (emulator/README.md, *Inactive names*).
      expect(inactive.json.QueryResponse.Customer[0].DisplayName).toBe('Gone Fishing (deleted)');
    });

    it('filters on MetaData.LastUpdatedTime', async () => {
      h.emulator.clock.advance(600);
      // MetaData times have whole seconds, as in QBO, so look back one second.
      const since = new Date(h.emulator.clock.now() - 1000).toISOString();
      await call('POST', '/customer', { DisplayName: 'Newcomer' });
      const res = await query(
        `SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '${since}'`,
      );
      expect(res.json.QueryResponse.Customer.map((c: Json) => c.DisplayName)).toEqual(['Newcomer']);
    });

    it('answers 4001 for an unknown entity, property or MAXRESULTS over 1000', async () => {
      const entity = await query('SELECT * FROM Custmoer');
      expect(entity.status).toBe(400);
      expect(entity.json).toMatchObject({
        Fault: {
          Error: [
            {
              Message: 'Invalid query',
              code: '4001',
              Detail: 'QueryValidationError: invalid context declaration: Custmoer',
            },
          ],
        },
      });
      expect(faultCode((await query('SELECT * FROM Customer WHERE Colour = 1')).json)).toBe('4001');
      expect(faultCode((await query('SELECT * FROM Customer MAXRESULTS 1001')).json)).toBe('4001');
    });

    it('answers 4000 for syntax errors and OR', async () => {
      expect(faultCode((await query('SELECT * Customer')).json)).toBe('4000');
      expect(
        faultCode((await query("SELECT * FROM Customer WHERE Id = '1' OR Id = '2'")).json),
      ).toBe('4000');
      expect(
        faultCode((await query("SELECT * FROM Customer WHERE DisplayName = 'open")).json),
      ).toBe('4000');
    });

    it('accepts the query as a POST body', async () => {
      const res = await h.api(realmId, token, 'POST', '/query', undefined);
      expect(res.status).toBe(400);
      const post = await fetch(`${h.url}/v3/company/${realmId}/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/text' },
        body: 'SELECT COUNT(*) FROM Customer',
      });
      expect(((await post.json()) as Json).QueryResponse.totalCount).toBe(4);
    });
  });

  describe('cdc', () => {
    it('returns what changed since a time, with deleted stubs', async () => {
      const { invoice: kept } = await seedInvoice(h, realmId, token, 10);
      h.emulator.clock.advance(60);
      const since = new Date(h.emulator.clock.now()).toISOString();
      const { invoice: fresh } = await seedInvoice(h, realmId, token, 20);
      const { invoice: doomed } = await seedInvoice(h, realmId, token, 30);
      await h.admin('DELETE', `/_admin/companies/${realmId}/invoices/${doomed.Id}`);
      const res = await call(
        'GET',
        `/cdc?entities=Invoice,Payment&changedSince=${encodeURIComponent(since)}`,
      );
      expect(res.status).toBe(200);
      const [invoices, payments] = res.json.CDCResponse[0].QueryResponse;
      const ids = invoices.Invoice.map((i: Json) => i.Id);
      expect(ids).toContain(fresh.Id);
      expect(ids).not.toContain(kept.Id);
      expect(invoices.Invoice).toContainEqual(
        expect.objectContaining({ Id: doomed.Id, status: 'Deleted' }),
      );
      expect(payments).toEqual({});
    });

    it('refuses a changedSince more than 30 days back', async () => {
      const since = new Date(h.emulator.clock.now() - 31 * 86_400_000).toISOString();
      const res = await call('GET', `/cdc?entities=Invoice&changedSince=${since}`);
      expect(res.status).toBe(400);
      expect((res.json as Fault).Fault.Error[0]?.Detail).toContain('older than fixed days');
      const ok = new Date(h.emulator.clock.now() - 29 * 86_400_000).toISOString();
      expect((await call('GET', `/cdc?entities=Invoice&changedSince=${ok}`)).status).toBe(200);
    });
  });

  describe('batch', () => {
    it('runs every item and reports per-item faults inside a 200', async () => {
      await call('POST', '/customer', { DisplayName: 'Taken Name' });
      const res = await call('POST', '/batch', {
        BatchItemRequest: [
          { bId: 'b1', operation: 'create', Customer: { DisplayName: 'Batch One' } },
          { bId: 'b2', operation: 'create', Customer: { DisplayName: 'Taken Name' } },
          { bId: 'b3', Query: "SELECT * FROM Customer WHERE DisplayName = 'Batch One'" },
        ],
      });
      expect(res.status).toBe(200);
      const [one, two, three] = res.json.BatchItemResponse;
      expect(one).toMatchObject({ bId: 'b1', Customer: { DisplayName: 'Batch One' } });
      expect(two).toMatchObject({
        bId: 'b2',
        Fault: { Error: [{ code: '6240' }], type: 'ValidationFault' },
      });
      expect(three.QueryResponse.Customer).toHaveLength(1);
    });

    it('reports a stale SyncToken per item', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 10);
      const res = await call('POST', '/batch', {
        BatchItemRequest: [
          {
            bId: 'u1',
            operation: 'update',
            Invoice: { Id: invoice.Id, SyncToken: '9', sparse: true, PrivateNote: 'x' },
          },
        ],
      });
      expect(res.json.BatchItemResponse[0].Fault.Error[0].code).toBe('5010');
    });

    it('answers a repeated batch with the same requestid from memory', async () => {
      const body = {
        BatchItemRequest: [{ bId: 'c1', operation: 'create', Customer: { DisplayName: 'Once' } }],
      };
      const first = await call('POST', '/batch?requestid=batch-1', body);
      const second = await call('POST', '/batch?requestid=batch-1', body);
      expect(second.json).toEqual(first.json);
      expect(second.json.BatchItemResponse[0].Customer.DisplayName).toBe('Once');
    });

    it('rejects more than 30 items with 1040 "Batch size exceeds allowed limit"', async () => {
      const items = Array.from({ length: 31 }, (_, i) => ({
        bId: `q${i}`,
        Query: 'SELECT COUNT(*) FROM Customer',
      }));
      const res = await call('POST', '/batch', { BatchItemRequest: items });
      expect(res.status).toBe(400);
      expect(res.json.Fault.type).toBe('ValidationFault');
      expect(res.json.Fault.Error).toEqual([
        {
          Message: 'Batch size exceeds allowed limit',
          Detail:
            'The batch size for the batch request or BatchItemRequest is too big. The batch limit size is 30.',
          code: '1040',
        },
      ]);
      const ok = await call('POST', '/batch', { BatchItemRequest: items.slice(0, 30) });
      expect(ok.json.BatchItemResponse).toHaveLength(30);
    });

    it('takes a requestid of at most 36 characters, and then bIds of at most 10', async () => {
      const item = (bId: string) => ({ bId, Query: 'SELECT COUNT(*) FROM Customer' });
      const long = 'r'.repeat(37);
      const tooLong = await call('POST', `/batch?requestid=${long}`, {
        BatchItemRequest: [item('b1')],
      });
      expect(tooLong.status).toBe(400);
      const res = await call('POST', `/batch?requestid=${'r'.repeat(36)}`, {
        BatchItemRequest: [item('b1'), item('b-eleven-ch')],
      });
      expect(res.status).toBe(200);
      const [short, longBid] = res.json.BatchItemResponse;
      expect(short.QueryResponse).toBeDefined();
      expect(longBid.Fault.type).toBe('ValidationFault');
      const plain = await call('POST', '/batch', { BatchItemRequest: [item('b-eleven-ch')] });
      expect(plain.json.BatchItemResponse[0].QueryResponse).toBeDefined();
    });
  });

  describe('admin view', () => {
    it('counts Accounting API calls per realm, including failed ones', async () => {
      const before = (await h.admin<Json>('GET', `/_admin/companies/${realmId}`)).requestCount;
      await call('GET', '/preferences');
      await call('GET', '/customer/999999');
      await h.api(realmId, 'bad-token', 'GET', '/preferences');
      const after = (await h.admin<Json>('GET', `/_admin/companies/${realmId}`)).requestCount;
      expect(after - before).toBe(3);
    });

    it('hand-edits an invoice amount, due date and customer, bumping SyncToken', async () => {
      const { invoice } = await seedInvoice(h, realmId, token, 100);
      const other = await call('POST', '/customer', { DisplayName: 'New Owner' });
      const edited = await h.admin<Json>(
        'PATCH',
        `/_admin/companies/${realmId}/invoices/${invoice.Id}`,
        {
          amount: 175,
          DueDate: '2030-05-01',
          CustomerRef: { value: other.json.Customer.Id },
        },
      );
      expect(edited).toMatchObject({
        TotalAmt: 175,
        Balance: 175,
        DueDate: '2030-05-01',
        SyncToken: '1',
        CustomerRef: { value: other.json.Customer.Id, name: 'New Owner' },
      });
    });

    it('renames a customer and rejects a name that is taken', async () => {
      const c = await call('POST', '/customer', { DisplayName: 'Old Name' });
      await call('POST', '/customer', { DisplayName: 'Taken' });
      const renamed = await h.admin<Json>(
        'PATCH',
        `/_admin/companies/${realmId}/customers/${c.json.Customer.Id}`,
        {
          DisplayName: 'New Name',
        },
      );
      expect(renamed).toMatchObject({ DisplayName: 'New Name', SyncToken: '1' });
      const clash = await h.adminRaw(
        'PATCH',
        `/_admin/companies/${realmId}/customers/${c.json.Customer.Id}`,
        {
          DisplayName: 'Taken',
        },
      );
      expect(clash.status).toBe(400);
    });
  });
});
