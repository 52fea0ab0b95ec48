import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: test JSON
type Json = Record<string, any>;

/**
 * 6140 across sales forms (emulator/README.md, "Company profiles", *Numbering*): credit memos
 * and sales receipts seeded through the admin API hold their numbers against invoices.
 */
describe('Emulator: credit memos and sales receipts hold numbers', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function company(profile: Json = { salesTax: 'manual' }) {
    const { realmId } = await h.admin<Json>('POST', '/_admin/companies', {
      name: `Forms ${Math.random().toString(36).slice(2, 8)}`,
      ...profile,
    });
    const token = await h.connect(realmId);
    const call = (method: string, path: string, body?: unknown) =>
      h.apiJson<Json>(realmId, token.access_token, method, path, body);
    const customer = (await call('POST', '/customer', { DisplayName: 'Ann Lee' })).json.Customer;
    const invoice = (docNumber: string) =>
      call('POST', '/invoice', {
        CustomerRef: { value: customer.Id },
        DocNumber: docNumber,
        Line: [
          {
            Amount: 10,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: '1' } },
          },
        ],
      });
    return { realmId, invoice };
  }

  it('seeds credit memos and sales receipts (one, or an array) and lists them on the company', async () => {
    const c = await company();
    const memo = await h.admin<Json>('POST', `/_admin/companies/${c.realmId}/creditmemos`, {
      DocNumber: 'CM-1',
      TotalAmt: 25,
      CustomerRef: { value: '1' },
    });
    expect(memo).toMatchObject({ Id: '1', SyncToken: '0', DocNumber: 'CM-1', TotalAmt: 25 });
    const receipts = await h.admin<Json[]>('POST', `/_admin/companies/${c.realmId}/salesreceipts`, [
      { DocNumber: 'SR-1' },
      { DocNumber: 2 },
    ]);
    expect(receipts.map((r) => [r.Id, r.DocNumber])).toEqual([
      ['2', 'SR-1'],
      ['3', '2'],
    ]);
    const described = await h.admin<Json>('GET', `/_admin/companies/${c.realmId}`);
    expect(described.creditMemos.map((m: Json) => m.DocNumber)).toEqual(['CM-1']);
    expect(described.salesReceipts.map((r: Json) => r.DocNumber)).toEqual(['SR-1', '2']);
    const bad = await h.adminRaw('POST', `/_admin/companies/${c.realmId}/creditmemos`, {
      TotalAmt: 1,
    });
    expect(bad.status).toBe(400);
  });

  it('an invoice numbered like a credit memo or a sales receipt gets 6140 naming that form and its Id', async () => {
    const c = await company();
    const memo = await h.admin<Json>('POST', `/_admin/companies/${c.realmId}/creditmemos`, {
      DocNumber: 'N-1',
    });
    const receipt = await h.admin<Json>('POST', `/_admin/companies/${c.realmId}/salesreceipts`, {
      DocNumber: 'N-2',
    });
    const byMemo = await c.invoice('n-1');
    expect(byMemo.status).toBe(400);
    expect(byMemo.json.Fault.Error[0]).toMatchObject({
      code: '6140',
      Message: 'Duplicate Document Number Error',
      Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=n-1 is assigned to TxnType=Credit Memo with TxnId=${memo.Id}`,
    });
    const byReceipt = await c.invoice('N-2');
    expect(byReceipt.json.Fault.Error[0].Detail).toContain(
      `TxnType=Sales Receipt with TxnId=${receipt.Id}`,
    );
    const byInvoice = await c.invoice('N-3');
    expect(byInvoice.status).toBe(200);
    expect((await c.invoice('N-3')).json.Fault.Error[0].Detail).toContain(
      `TxnType=Invoice with TxnId=${byInvoice.json.Invoice.Id}`,
    );
  });

  it('numbers are only checked with custom numbers on, as for invoices', async () => {
    const c = await company({ salesTax: 'manual', customTxnNumbers: false });
    await h.admin('POST', `/_admin/companies/${c.realmId}/creditmemos`, { DocNumber: '1001' });
    expect((await c.invoice('1001')).status).toBe(200);
  });
});
