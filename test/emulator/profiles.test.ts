import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read QBO JSON structurally
type Json = Record<string, any>;

/**
 * Company profiles (emulator/README.md, "Company profiles"): each test creates a company with
 * the admin API and drives the Accounting API over HTTP, as a client of real QBO would.
 */
describe('Emulator: company profiles', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  /** A connected company with the given profile fields; returns an API caller bound to it. */
  async function company(profile: Record<string, unknown>) {
    const created = await h.admin<Json>('POST', '/_admin/companies', {
      name: `Profiled ${Math.random().toString(36).slice(2, 8)}`,
      ...profile,
    });
    const realmId = created.realmId as string;
    const token = await h.connect(realmId);
    const call = (method: string, path: string, body?: unknown) =>
      h.apiJson<Json>(realmId, token.access_token, method, path, body);
    const query = (q: string) => call('GET', `/query?query=${encodeURIComponent(q)}`);
    const customer = async (body: Json = {}) => {
      const res = await call('POST', '/customer', {
        DisplayName: `C ${Math.random().toString(36).slice(2, 8)}`,
        ...body,
      });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      return res.json.Customer as Json;
    };
    const invoice = (body: Json, params = '') => call('POST', `/invoice${params}`, body);
    return { realmId, created, call, query, customer, invoice };
  }

  const line = (amount: number, taxCode?: string) => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: {
      ItemRef: { value: '1' },
      ...(taxCode === undefined ? {} : { TaxCodeRef: { value: taxCode } }),
    },
  });
  const code = (json: Json) => json.Fault?.Error?.[0]?.code as string | undefined;

  describe('admin API', () => {
    it('a company without profile fields has no profile and the Preferences of before', async () => {
      const c = await company({});
      const described = await h.admin<Json>('GET', `/_admin/companies/${c.realmId}`);
      expect(described.profile).toBeNull();
      // Sales tax on, set by hand, as its Preferences say: one default code (0 %), so a tax sent
      // with it is kept, as a push of before was.
      expect(described.taxCodes.map((t: Json) => [t.Id, t.Name])).toEqual([['1', 'Sales tax']]);
      const prefs = await c.call('GET', '/preferences');
      // It keeps the numbers it is sent: a custom-numbers company, as its Preferences say.
      expect(prefs.json.Preferences.SalesFormsPrefs.CustomTxnNumbers).toBe(true);
      expect(prefs.json.Preferences.TaxPrefs).toEqual({
        UsingSalesTax: true,
        PartnerTaxEnabled: false,
        TaxGroupCodeRef: { value: '1' },
      });
      // No DocNumber sent: the next number; a duplicate is accepted, as before profiles.
      const cust = await c.customer();
      const a = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(10)] });
      expect(a.json.Invoice.DocNumber).toBe('1001');
      const b = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(10)],
        DocNumber: '1001',
      });
      expect(b.status).toBe(200);
    });

    it('refuses profile fields that do not fit together', async () => {
      for (const body of [
        { country: 'CA', salesTax: 'manual' },
        { country: 'GB', salesTax: 'automated' },
        { salesTax: 'manual', astRates: { IL: 6.25 } },
        { country: 'FR' },
        { homeCurrency: 'usd' },
        { salesTax: 'automated', taxRate: 8 },
        { salesTax: 'none', taxRate: 8 },
        { country: 'GB', taxRate: 8 },
      ]) {
        const res = await h.adminRaw('POST', '/_admin/companies', { name: 'X', ...body });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });

    it('reflects the profile in Preferences, CompanyInfo and the admin view', async () => {
      const c = await company({
        country: 'CA',
        multiCurrency: true,
        customTxnNumbers: false,
      });
      expect(c.created.profile).toMatchObject({ country: 'CA', homeCurrency: 'CAD' });
      const prefs = (await c.call('GET', '/preferences')).json.Preferences;
      expect(prefs.CurrencyPrefs).toEqual({
        MultiCurrencyEnabled: true,
        HomeCurrency: { value: 'CAD' },
      });
      expect(prefs.SalesFormsPrefs.CustomTxnNumbers).toBe(false);
      expect(prefs.TaxPrefs).toEqual({ UsingSalesTax: true, PartnerTaxEnabled: false });
      const info = (await c.call('GET', `/companyinfo/${c.realmId}`)).json.CompanyInfo;
      expect(info.Country).toBe('CA');
      const described = await h.admin<Json>('GET', `/_admin/companies/${c.realmId}`);
      expect(described.taxCodes.map((t: Json) => t.Name)).toContain('HST ON');
      expect(described.taxRates.map((t: Json) => t.RateValue)).toContain(13);
    });

    it('US automated: TaxPrefs say AST, one TaxCode per region rate', async () => {
      const c = await company({ salesTax: 'automated', astRates: { IL: 6.25, NY: 8.875 } });
      const prefs = (await c.call('GET', '/preferences')).json.Preferences;
      expect(prefs.TaxPrefs).toEqual({ UsingSalesTax: true, PartnerTaxEnabled: true });
      expect(prefs.SalesFormsPrefs.CustomTxnNumbers).toBe(true);
      expect(prefs.CurrencyPrefs.HomeCurrency).toEqual({ value: 'USD' });
      const codes = await c.query('select * from TaxCode');
      expect(codes.json.QueryResponse.TaxCode.map((t: Json) => t.Name)).toEqual([
        'TAX',
        'NON',
        'IL',
        'NY',
      ]);
      const rates = await c.query("select * from TaxRate where Name = 'IL State'");
      expect(rates.json.QueryResponse.TaxRate[0].RateValue).toBe(6.25);
      const read = await c.call('GET', '/taxcode/1');
      expect(read.json.TaxCode.Name).toBe('IL');
    });

    it('US manual and none: TaxPrefs', async () => {
      const manual = await company({ salesTax: 'manual' });
      expect((await manual.call('GET', '/preferences')).json.Preferences.TaxPrefs).toEqual({
        UsingSalesTax: true,
        PartnerTaxEnabled: false,
        TaxGroupCodeRef: { value: '1' },
      });
      const none = await company({ salesTax: 'none' });
      expect((await none.call('GET', '/preferences')).json.Preferences.TaxPrefs).toEqual({
        UsingSalesTax: false,
        PartnerTaxEnabled: false,
      });
    });
  });

  describe('sales tax', () => {
    it('US automated: the engine taxes TAX lines by the ship-to region, ignoring TotalTax alone', async () => {
      const c = await company({ salesTax: 'automated', astRates: { IL: 6.25 } });
      const cust = await c.customer({ BillAddr: { CountrySubDivisionCode: 'NY' } });
      const res = await c.invoice({
        CustomerRef: { value: cust.Id },
        ShipAddr: { Line1: '1 Main', City: 'Chicago', CountrySubDivisionCode: 'IL' },
        Line: [line(100, 'TAX'), line(50, 'NON')],
        TxnTaxDetail: { TotalTax: 99 },
      });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      const inv = res.json.Invoice;
      expect(inv.TxnTaxDetail.TotalTax).toBe(6.25);
      expect(inv.TxnTaxDetail.TxnTaxCodeRef.value).toBe('1');
      expect(inv.TotalAmt).toBe(156.25);
    });

    it('US automated: a region the engine has no rate for is taxed 0; the customer address counts', async () => {
      const c = await company({ salesTax: 'automated', astRates: { IL: 6.25 } });
      const il = await c.customer({ ShipAddr: { CountrySubDivisionCode: 'il' } });
      const a = await c.invoice({ CustomerRef: { value: il.Id }, Line: [line(200, 'TAX')] });
      expect(a.json.Invoice.TxnTaxDetail.TotalTax).toBe(12.5);
      const tx = await c.customer({ BillAddr: { CountrySubDivisionCode: 'TX' } });
      const b = await c.invoice({ CustomerRef: { value: tx.Id }, Line: [line(200, 'TAX')] });
      expect(b.json.Invoice.TxnTaxDetail.TotalTax).toBe(0);
    });

    it('US automated: TxnTaxCodeRef with TotalTax overrides the engine; TxnTaxCodeRef alone does not', async () => {
      const c = await company({ salesTax: 'automated', astRates: { IL: 6.25 } });
      const cust = await c.customer({ ShipAddr: { CountrySubDivisionCode: 'IL' } });
      const over = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TxnTaxCodeRef: { value: '1' }, TotalTax: 7 },
      });
      expect(over.status, JSON.stringify(over.json)).toBe(200);
      expect(over.json.Invoice.TxnTaxDetail.TotalTax).toBe(7);
      expect(over.json.Invoice.TotalAmt).toBe(107);
      expect(over.json.Invoice.TxnTaxDetail.TaxLine[0].TaxLineDetail.OverrideDeltaAmount).toBe(
        0.75,
      );
      const codeOnly = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TxnTaxCodeRef: { value: '1' } },
      });
      expect(codeOnly.json.Invoice.TxnTaxDetail.TotalTax).toBe(6.25);
      const unknown = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TxnTaxCodeRef: { value: '99' }, TotalTax: 7 },
      });
      expect(code(unknown.json)).toBe('2500');
    });

    it('US manual with taxRate: one tax code at that rate, the default, answered after TAX and NON', async () => {
      const c = await company({ salesTax: 'manual', taxRate: 8 });
      const described = await h.admin<Json>('GET', `/_admin/companies/${c.realmId}`);
      expect(described.taxRate).toBe(8);
      expect(described.taxRates.map((r: Json) => r.RateValue)).toEqual([8]);
      const prefs = (await c.call('GET', '/preferences')).json.Preferences;
      expect(prefs.TaxPrefs.TaxGroupCodeRef).toEqual({ value: '1' });
      const codes = (await c.query('select * from TaxCode')).json.QueryResponse.TaxCode;
      // As Intuit's TaxCode reference query sample: the pseudo codes first, TaxGroup false, no Active.
      expect(codes.slice(0, 2)).toEqual([
        expect.objectContaining({
          Id: 'TAX',
          Name: 'TAX',
          Description: 'TAX',
          Taxable: true,
          TaxGroup: false,
        }),
        expect.objectContaining({ Id: 'NON', Name: 'NON', Taxable: false, TaxGroup: false }),
      ]);
      expect(codes[0]).not.toHaveProperty('Active');
      expect(codes.map((t: Json) => t.Id)).toEqual(['TAX', 'NON', '1']);
    });

    it('US manual: TotalTax is kept with a TxnTaxCodeRef, ignored without one (the default code charges)', async () => {
      const c = await company({ salesTax: 'manual', taxRate: 8 });
      const cust = await c.customer();
      const withCode = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TxnTaxCodeRef: { value: '1' }, TotalTax: 8.5 },
      });
      expect(withCode.json.Invoice.TotalAmt).toBe(108.5);
      expect(withCode.json.Invoice.TxnTaxDetail).toMatchObject({
        TxnTaxCodeRef: { value: '1', name: 'Sales tax' },
        TotalTax: 8.5,
      });
      const alone = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX'), line(50, 'NON')],
        TxnTaxDetail: { TotalTax: 8.5 },
      });
      expect(alone.json.Invoice.TxnTaxDetail).toMatchObject({
        TxnTaxCodeRef: { value: '1' },
        TotalTax: 8,
      });
      expect(alone.json.Invoice.TotalAmt).toBe(158);
      for (const value of ['TAX', '99']) {
        const bad = await c.invoice({
          CustomerRef: { value: cust.Id },
          Line: [line(100, 'TAX')],
          TxnTaxDetail: { TxnTaxCodeRef: { value }, TotalTax: 8.5 },
        });
        expect(code(bad.json), value).toBe('2500');
      }
    });

    it('a company without a profile: a TotalTax alone is ignored, its 0 % default code charges', async () => {
      const c = await company({});
      const cust = await c.customer();
      const alone = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TotalTax: 8.5 },
      });
      expect(alone.json.Invoice.TotalAmt).toBe(100);
      const withCode = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TxnTaxCodeRef: { value: '1' }, TotalTax: 8.5 },
      });
      expect(withCode.json.Invoice.TotalAmt).toBe(108.5);
    });

    it('US none: TxnTaxDetail is dropped', async () => {
      const c = await company({ salesTax: 'none' });
      const cust = await c.customer();
      const res = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, 'TAX')],
        TxnTaxDetail: { TxnTaxCodeRef: { value: '2' }, TotalTax: 8.5 },
      });
      expect(res.status).toBe(200);
      expect(res.json.Invoice.TxnTaxDetail).toEqual({ TotalTax: 0 });
      expect(res.json.Invoice.TotalAmt).toBe(100);
    });

    it('CA, GB, AU not registered (salesTax none): no codes, none needed on a line, TxnTaxDetail dropped', async () => {
      for (const country of ['CA', 'GB', 'AU']) {
        const c = await company({ country, salesTax: 'none' });
        expect(c.created.profile).toMatchObject({ country, salesTax: 'none' });
        const prefs = (await c.call('GET', '/preferences')).json.Preferences;
        expect(prefs.TaxPrefs).toEqual({ UsingSalesTax: false, PartnerTaxEnabled: false });
        const codes = (await c.query('select * from TaxCode')).json.QueryResponse;
        expect(codes.TaxCode ?? []).toEqual([]);
        const cust = await c.customer();
        const res = await c.invoice({
          CustomerRef: { value: cust.Id },
          Line: [line(100), line(40)],
          TxnTaxDetail: { TotalTax: 8.5 },
        });
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        expect(res.json.Invoice.TxnTaxDetail).toEqual({ TotalTax: 0 });
        expect(res.json.Invoice.TotalAmt).toBe(140);
        expect(res.json.Invoice.Line[0].SalesItemLineDetail.TaxCodeRef).toBeUndefined();
        expect(res.json.Invoice.GlobalTaxCalculation).toBeUndefined();
        // The company has no codes: a line naming one refers to none (the stricter reading).
        const coded = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(100, '1')] });
        expect(code(coded.json)).toBe('2500');
      }
    });

    it('outside the US: TAX/NON and unknown codes refused, a line without a code refused, own codes taxed', async () => {
      const c = await company({ country: 'GB' });
      const cust = await c.customer();
      const tax = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(100, 'TAX')] });
      expect(tax.status).toBe(400);
      expect(code(tax.json)).toBe('2500');
      const non = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(100, 'NON')] });
      expect(code(non.json)).toBe('2500');
      const none = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(100)] });
      expect(code(none.json)).toBe('6000');
      expect(none.json.Fault.Error[0].Detail).toContain('VAT rate');
      const codes = (await c.query('select * from TaxCode')).json.QueryResponse.TaxCode as Json[];
      const standard = codes.find((t) => t.Name === '20.0% S') as Json;
      const exempt = codes.find((t) => t.Name === 'Exempt') as Json;
      const ok = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, standard.Id), line(40, exempt.Id)],
      });
      expect(ok.status, JSON.stringify(ok.json)).toBe(200);
      expect(ok.json.Invoice.TxnTaxDetail.TotalTax).toBe(20);
      expect(ok.json.Invoice.TotalAmt).toBe(160);
      expect(ok.json.Invoice.GlobalTaxCalculation).toBe('TaxExcluded');
      expect(ok.json.Invoice.CurrencyRef.value).toBe('GBP');
    });

    it('a line without a code: the missing-code fault names the tax as QBO does in each country', async () => {
      // GB "VAT" (intuit/quickbooks-online-mcp-server #94), CA "GST/HST" (ruckus/quickbooks-ruby
      // #351, activepieces/activepieces #8539); AU "GST" is unconfirmed (emulator/README.md).
      for (const [country, tax] of [
        ['GB', 'VAT'],
        ['CA', 'GST/HST'],
        ['AU', 'GST'],
      ] as const) {
        const c = await company({ country });
        const cust = await c.customer();
        const none = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(100)] });
        expect(none.status).toBe(400);
        expect(none.json.Fault.Error[0]).toMatchObject({
          Message: 'A business validation error has occurred while processing your request',
          Detail: `Business Validation Error: Make sure all your transactions have a ${tax} rate before you save.`,
          code: '6000',
        });
      }
    });

    it('outside the US: a discount lowers each line before tax (CA, HST 13%)', async () => {
      const c = await company({ country: 'CA' });
      const cust = await c.customer();
      const codes = (await c.query('select * from TaxCode')).json.QueryResponse.TaxCode as Json[];
      const hst = codes.find((t) => t.Name === 'HST ON') as Json;
      const res = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [
          line(200, hst.Id),
          {
            Amount: 20,
            DetailType: 'DiscountLineDetail',
            DiscountLineDetail: { PercentBased: false },
          },
        ],
      });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.Invoice.TxnTaxDetail.TotalTax).toBe(23.4);
      expect(res.json.Invoice.TotalAmt).toBe(203.4);
    });

    it('outside the US: tax per line without a detail; a supplied TaxLine is booked (issue 30, item 2)', async () => {
      // Community thread 306952's lines: 29 at 1.59 and two at 17.49 (81.09). GST/PST BC is 5 % +
      // 7 %, each rate per line: 0.08 + 0.11 on 1.59, 0.87 + 1.22 on 17.49, so 9.69; on the
      // total 4.05 + 5.68 = 9.73.
      const c = await company({ country: 'CA' });
      const cust = await c.customer();
      const codes = (await c.query('select * from TaxCode')).json.QueryResponse.TaxCode as Json[];
      const bc = codes.find((t) => t.Name === 'GST/PST BC') as Json;
      const lines = [...Array<number>(29).fill(1.59), 17.49, 17.49].map((a) => line(a, bc.Id));
      const own = await c.invoice({ CustomerRef: { value: cust.Id }, Line: lines });
      expect(own.status, JSON.stringify(own.json)).toBe(200);
      expect(own.json.Invoice.TxnTaxDetail.TotalTax).toBe(9.69);
      expect(own.json.Invoice.TotalAmt).toBe(90.78);
      const [gst, pst] = bc.SalesTaxRateList.TaxRateDetail.map((d: Json) => d.TaxRateRef.value);
      const taxLine = (rate: string, percent: number, amount: number) => ({
        DetailType: 'TaxLineDetail',
        Amount: amount,
        TaxLineDetail: {
          TaxRateRef: { value: rate },
          PercentBased: true,
          TaxPercent: percent,
          NetAmountTaxable: 81.09,
        },
      });
      // Rounded on the total, booked as supplied.
      const detail = { TotalTax: 9.73, TaxLine: [taxLine(gst, 5, 4.05), taxLine(pst, 7, 5.68)] };
      const supplied = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: lines,
        TxnTaxDetail: detail,
      });
      expect(supplied.json.Invoice.TxnTaxDetail.TotalTax).toBe(9.73);
      expect(supplied.json.Invoice.TxnTaxDetail.TaxLine.map((l: Json) => l.Amount)).toEqual([
        4.05, 5.68,
      ]);
      expect(supplied.json.Invoice.TotalAmt).toBe(90.82);
      // Not every rate, or a TotalTax that is not their sum: ignored, QBO's own figure.
      for (const bad of [
        { TotalTax: 9.73, TaxLine: [taxLine(gst, 5, 9.73)] },
        { ...detail, TotalTax: 9.9 },
      ]) {
        const res = await c.invoice({
          CustomerRef: { value: cust.Id },
          Line: lines,
          TxnTaxDetail: bad,
        });
        expect(res.json.Invoice.TxnTaxDetail.TotalTax).toBe(9.69);
      }
      // A TaxLine without its DetailType: refused as QBO refused it (quickbooks-ruby issue 529).
      const untyped = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: lines,
        TxnTaxDetail: { TaxLine: [{ Amount: 4.05, TaxLineDetail: {} }] },
      });
      expect(untyped.json.Fault.Error[0].Detail).toContain('DetailTypeEnum is missing');
    });

    it('outside the US: GlobalTaxCalculation NotApplicable charges no tax; TaxInclusive is not modelled', async () => {
      const c = await company({ country: 'GB' });
      const cust = await c.customer();
      const codes = (await c.query('select * from TaxCode')).json.QueryResponse.TaxCode as Json[];
      const standard = codes.find((t) => t.Name === '20.0% S') as Json;
      const out = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, standard.Id)],
        GlobalTaxCalculation: 'NotApplicable',
      });
      expect(out.status, JSON.stringify(out.json)).toBe(200);
      expect(out.json.Invoice.TxnTaxDetail).toEqual({ TotalTax: 0 });
      expect(out.json.Invoice.GlobalTaxCalculation).toBe('NotApplicable');
      const inclusive = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(100, standard.Id)],
        GlobalTaxCalculation: 'TaxInclusive',
      });
      expect(inclusive.status).toBe(400);
    });

    it('AU: GST 10% from the company’s own code', async () => {
      const c = await company({ country: 'AU' });
      const cust = await c.customer();
      const codes = (await c.query("select * from TaxCode where Name = 'GST'")).json.QueryResponse
        .TaxCode as Json[];
      const res = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(99.99, codes[0]?.Id)],
      });
      expect(res.json.Invoice.TxnTaxDetail.TotalTax).toBe(10);
      expect(res.json.Invoice.CurrencyRef.value).toBe('AUD');
    });
  });

  describe('currency', () => {
    it('multicurrency off: a foreign customer or invoice currency is refused', async () => {
      const c = await company({ salesTax: 'manual' });
      const eur = await c.call('POST', '/customer', {
        DisplayName: 'Euro Customer',
        CurrencyRef: { value: 'EUR' },
      });
      expect(eur.status).toBe(400);
      expect(code(eur.json)).toBe('6000');
      const cust = await c.customer();
      expect(cust.CurrencyRef.value).toBe('USD');
      const inv = await c.invoice({
        CustomerRef: { value: cust.Id },
        CurrencyRef: { value: 'EUR' },
        Line: [line(10, 'NON')],
      });
      expect(code(inv.json)).toBe('6000');
    });

    it('multicurrency on: the customer’s currency is fixed; the invoice must match it', async () => {
      const c = await company({ salesTax: 'manual', multiCurrency: true });
      const eur = await c.customer({ CurrencyRef: { value: 'EUR' } });
      expect(eur.CurrencyRef).toEqual({ value: 'EUR', name: 'Euro' });
      const change = await c.call('POST', '/customer', {
        Id: eur.Id,
        SyncToken: eur.SyncToken,
        sparse: true,
        CurrencyRef: { value: 'USD' },
      });
      expect(code(change.json)).toBe('6000');
      const wrong = await c.invoice({
        CustomerRef: { value: eur.Id },
        CurrencyRef: { value: 'USD' },
        Line: [line(10, 'NON')],
      });
      expect(code(wrong.json)).toBe('6000');
      const right = await c.invoice({
        CustomerRef: { value: eur.Id },
        CurrencyRef: { value: 'EUR' },
        ExchangeRate: 1.1,
        Line: [line(10, 'NON')],
      });
      expect(right.status, JSON.stringify(right.json)).toBe(200);
      expect(right.json.Invoice.CurrencyRef.value).toBe('EUR');
      expect(right.json.Invoice.HomeTotalAmt).toBe(11);
      const implied = await c.invoice({ CustomerRef: { value: eur.Id }, Line: [line(5, 'NON')] });
      expect(implied.json.Invoice.CurrencyRef.value).toBe('EUR');
    });

    it('an invoice without ExchangeRate is stored at 1, as QBO does; HomeTotalAmt is at the rate, in home cents', async () => {
      const c = await company({ salesTax: 'manual', multiCurrency: true });
      const eur = await c.customer({ CurrencyRef: { value: 'EUR' } });
      const omitted = await c.invoice({
        CustomerRef: { value: eur.Id },
        Line: [line(1000, 'NON')],
      });
      expect(omitted.json.Invoice).toMatchObject({ ExchangeRate: 1, HomeTotalAmt: 1000 });
      const rated = await c.invoice({
        CustomerRef: { value: eur.Id },
        ExchangeRate: 1.08765,
        Line: [line(934, 'NON')],
      });
      // 934 × 1.08765 = 1015.8651 → 1015.87 USD.
      expect(rated.json.Invoice).toMatchObject({ ExchangeRate: 1.08765, HomeTotalAmt: 1015.87 });
      const yen = await company({ salesTax: 'manual', multiCurrency: true, homeCurrency: 'JPY' });
      const usd = await yen.customer({ CurrencyRef: { value: 'USD' } });
      const inYen = await yen.invoice({
        CustomerRef: { value: usd.Id },
        ExchangeRate: 151.237,
        Line: [line(10.5, 'NON')],
      });
      // 10.50 × 151.237 = 1587.9885 → 1588 JPY (no minor unit).
      expect(inYen.json.Invoice.HomeTotalAmt).toBe(1588);
    });

    it('exchangerate answers from the table the admin API sets, shaped as Intuit’s ExchangeRate', async () => {
      const c = await company({ salesTax: 'manual', multiCurrency: true });
      const put = await h.admin<Json>('PUT', `/_admin/companies/${c.realmId}/exchangerates`, {
        EUR: { '2026-11-20': 1.0876 },
      });
      expect(put).toEqual({ exchangeRates: { EUR: { '2026-11-20': 1.0876 } } });
      const got = await h.admin<Json>('GET', `/_admin/companies/${c.realmId}/exchangerates`);
      expect(got).toEqual(put);
      const rate = await c.call('GET', '/exchangerate?sourcecurrencycode=EUR&asofdate=2026-11-20');
      expect(rate.status).toBe(200);
      expect(rate.json.ExchangeRate).toMatchObject({
        SourceCurrencyCode: 'EUR',
        TargetCurrencyCode: 'USD',
        Rate: 1.0876,
        AsOfDate: '2026-11-20',
      });
      expect(rate.json.time).toEqual(expect.any(String));
      const home = await c.call('GET', '/exchangerate?sourcecurrencycode=USD&asofdate=2026-11-20');
      expect(home.json.ExchangeRate.Rate).toBe(1);
      const otherDay = await c.call(
        'GET',
        '/exchangerate?sourcecurrencycode=EUR&asofdate=2026-11-21',
      );
      expect(otherDay.status).toBe(400);
      expect(code(otherDay.json)).toBe('610');
      const noDate = await c.call('GET', '/exchangerate?sourcecurrencycode=EUR');
      expect(code(noDate.json)).toBe('2020');
      const bad = await h.adminRaw('PUT', `/_admin/companies/${c.realmId}/exchangerates`, {
        EUR: { '2026-11-20': 0 },
      });
      expect(bad.status).toBe(400);
    });
  });

  describe('numbering', () => {
    it('custom numbers on: 6140 on a duplicate unless include=allowduplicatedocnum; none sent, none given', async () => {
      const c = await company({ salesTax: 'manual' });
      const cust = await c.customer();
      const first = await c.invoice({
        CustomerRef: { value: cust.Id },
        DocNumber: 'INV-7',
        Line: [line(10, 'NON')],
      });
      expect(first.json.Invoice.DocNumber).toBe('INV-7');
      const dup = await c.invoice({
        CustomerRef: { value: cust.Id },
        DocNumber: 'inv-7',
        Line: [line(10, 'NON')],
      });
      expect(dup.status).toBe(400);
      expect(dup.json.Fault.Error[0]).toMatchObject({
        code: '6140',
        Message: 'Duplicate Document Number Error',
      });
      expect(dup.json.Fault.Error[0].Detail).toContain(`TxnId=${first.json.Invoice.Id}`);
      const allowed = await c.invoice(
        { CustomerRef: { value: cust.Id }, DocNumber: 'INV-7', Line: [line(10, 'NON')] },
        '?include=allowduplicatedocnum',
      );
      expect(allowed.status).toBe(200);
      const unnumbered = await c.invoice({
        CustomerRef: { value: cust.Id },
        Line: [line(1, 'NON')],
      });
      expect(unnumbered.json.Invoice.DocNumber).toBeUndefined();
      // An update keeping its own number is no duplicate of itself.
      const inv = first.json.Invoice;
      const upd = await c.call('POST', '/invoice', {
        Id: inv.Id,
        SyncToken: inv.SyncToken,
        sparse: true,
        PrivateNote: 'n',
      });
      expect(upd.status, JSON.stringify(upd.json)).toBe(200);
    });

    it('custom numbers off: QBO numbers in sequence; a number sent is kept', async () => {
      const c = await company({ salesTax: 'manual', customTxnNumbers: false });
      const cust = await c.customer();
      const a = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(1, 'NON')] });
      const b = await c.invoice({ CustomerRef: { value: cust.Id }, Line: [line(1, 'NON')] });
      expect([a.json.Invoice.DocNumber, b.json.Invoice.DocNumber]).toEqual(['1001', '1002']);
      const sent = await c.invoice({
        CustomerRef: { value: cust.Id },
        DocNumber: '1001',
        Line: [line(1, 'NON')],
      });
      expect(sent.status).toBe(200);
      expect(sent.json.Invoice.DocNumber).toBe('1001');
    });
  });

  describe('lengths (2050)', () => {
    it('refuses each field over its documented maximum and accepts it at the maximum', async () => {
      const c = await company({ salesTax: 'manual' });
      const cust = await c.customer();
      const base = { CustomerRef: { value: cust.Id }, Line: [line(1, 'NON')] };
      const cases: [Json, string, number][] = [
        [{ DocNumber: 'x'.repeat(22) }, 'DocNumber', 21],
        [{ PrivateNote: 'x'.repeat(4001) }, 'PrivateNote', 4000],
        [{ CustomerMemo: { value: 'x'.repeat(1001) } }, 'CustomerMemo.value', 1000],
        [
          { Line: [{ ...line(1, 'NON'), Description: 'x'.repeat(4001) }] },
          'Line.Description',
          4000,
        ],
        [{ BillEmail: { Address: `${'x'.repeat(95)}@a.com` } }, 'BillEmail.Address', 100],
      ];
      for (const [extra, element, max] of cases) {
        const res = await c.invoice({ ...base, ...extra });
        expect(res.status, element).toBe(400);
        expect(res.json.Fault.Error[0]).toMatchObject({ code: '2050', element });
        expect(res.json.Fault.Error[0].Detail).toContain(`Max:${max} supported`);
      }
      const atMax = await c.invoice({
        ...base,
        DocNumber: 'x'.repeat(21),
        PrivateNote: 'x'.repeat(4000),
        CustomerMemo: { value: 'x'.repeat(1000) },
      });
      expect(atMax.status, JSON.stringify(atMax.json)).toBe(200);
      const longName = await c.call('POST', '/customer', { DisplayName: 'x'.repeat(501) });
      expect(longName.json.Fault.Error[0]).toMatchObject({ code: '2050', element: 'DisplayName' });
      const longGiven = await c.call('POST', '/customer', { GivenName: 'x'.repeat(101) });
      expect(code(longGiven.json)).toBe('2050');
      await c.customer({ DisplayName: 'y'.repeat(500) });
    });

    it("answers in the recorded wording: consolibyte/quickbooks-php #79's Message and Detail", async () => {
      // Recorded: "String length is either shorter or longer than supported by specification,
      // String length specified does not match the supported length. Min:0 Max:50 supported.
      // Supplied length:51" (Message, then Detail).
      const c = await company({ salesTax: 'manual' });
      const res = await c.call('POST', '/customer', {
        DisplayName: 'Long Co',
        CompanyName: 'x'.repeat(101),
      });
      expect(res.status).toBe(400);
      expect(res.json.Fault.Error).toEqual([
        {
          Message: 'String length is either shorter or longer than supported by specification',
          Detail:
            'String length specified does not match the supported length. Min:0 Max:100 supported. Supplied length:101',
          code: '2050',
          element: 'CompanyName',
        },
      ]);
    });
  });
});
