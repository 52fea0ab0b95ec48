/**
 * What the push sends a company outside the US (issue 30, items 2 and 4), read from the plan
 * itself, not through the emulator: the tax detail supplied per rate with TradelyHQ's tax,
 * whichever way TradelyHQ rounded it; no codes at all for a business not registered.
 */
import { describe, expect, it } from 'vitest';
import type { CompanyProfile } from '#shared/domain/company.ts';
import { type InvoiceSnapshot, toSnapshot } from '#shared/domain/invoice.ts';
import type { TaxCodeRates } from '#shared/domain/tax.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import { planTax } from '#shared/qbo/qbo-tax.ts';
import { communityThreadInvoice } from '../support/push.ts';

const company = (country: string, salesTax: CompanyProfile['salesTax']): CompanyProfile => ({
  country,
  homeCurrency: 'CAD',
  multiCurrency: false,
  salesTax,
  customTxnNumbers: true,
});

/** QuickBooks Community thread 306952's invoice ({@link communityThreadInvoice}) as the push plans it. */
function fittings(tax: string): InvoiceSnapshot {
  const body = communityThreadInvoice('CAD', tax);
  const snapshot = toSnapshot(body as Parameters<typeof toSnapshot>[0]);
  if (Array.isArray(snapshot)) throw new Error(JSON.stringify(snapshot));
  return snapshot;
}

// GST/PST BC: 5 % + 7 %. Per line 0.08 and 0.11 on 1.59, 0.87 and 1.22 on 17.49: GST 2.32 + 1.74
// = 4.06, PST 3.19 + 2.44 = 5.63, 9.69; per total 4.05 + 5.68 = 9.73.
const bc: TaxCodeRates = {
  id: '3',
  name: 'GST/PST BC',
  rates: new Map([
    ['1', 5],
    ['3', 7],
  ]),
};
const qbo = {} as QboClient;
const settings = (salesTax: CompanyProfile['salesTax'], country = 'CA') => ({
  company: company(country, salesTax),
  taxCodeMap: { taxable: '3' },
  taxCodes: async () => [bc],
});
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

describe('Function: planTax outside the US', () => {
  it('supplies TradelyHQ’s tax per rate, rounded per line as QBO rounds it', async () => {
    const plan = await planTax(qbo, settings('manual'), fittings('9.69'));
    expect(plan.lineCodes).toEqual(Array(31).fill('3'));
    expect(plan.header).toEqual({
      GlobalTaxCalculation: 'TaxExcluded',
      TxnTaxDetail: { TotalTax: 9.69, TaxLine: [taxLine('1', 5, 4.06), taxLine('3', 7, 5.63)] },
    });
  });

  it('supplies it rounded per total when TradelyHQ rounded so: never refused for rounding', async () => {
    const plan = await planTax(qbo, settings('manual'), fittings('9.73'));
    expect(plan.header.TxnTaxDetail).toEqual({
      TotalTax: 9.73,
      TaxLine: [taxLine('1', 5, 4.05), taxLine('3', 7, 5.68)],
    });
  });

  it('refuses a tax neither rounding of the mapped rates gives, with QBO’s per-line figure', async () => {
    await expect(planTax(qbo, settings('manual'), fittings('10.54'))).rejects.toMatchObject({
      code: 'tax_differs',
      message: expect.stringMatching(
        /QuickBooks would charge 9\.69 CAD tax, but this invoice charges 10\.54 CAD/,
      ),
    });
  });

  it('not registered: no line codes, no tax detail; a taxed invoice refused naming the tax', async () => {
    const untaxed = { ...fittings('0.00'), tax: 0 };
    expect(await planTax(qbo, settings('none'), untaxed)).toEqual({ lineCodes: null, header: {} });
    for (const [country, name] of [
      ['CA', 'GST/HST'],
      ['GB', 'VAT'],
      ['AU', 'GST'],
    ]) {
      await expect(planTax(qbo, settings('none', country), fittings('9.69'))).rejects.toMatchObject(
        {
          syncKind: 'validation',
          code: 'sales_tax_off',
          message: expect.stringContaining(
            `${name} is turned off in the QuickBooks company (it is set up as not registered for ${name})`,
          ),
        },
      );
    }
  });
});
