/**
 * What Settings says a company needs (`setupNeeded`) comes from the same decision as the push's
 * tax plan: `taxTreatment` per company profile and `mappedCode` per line.
 */
import { describe, expect, it } from 'vitest';
import type { CompanyProfile } from '#shared/domain/company.ts';
import {
  isPseudoTaxCode,
  mappedCode,
  overrideCode,
  salesTaxName,
  taxSetupNeeds,
  taxTreatment,
} from '#shared/domain/tax.ts';

const company = (country: string, salesTax: CompanyProfile['salesTax']): CompanyProfile => ({
  country,
  homeCurrency: country === 'US' ? 'USD' : 'CAD',
  multiCurrency: false,
  salesTax,
  customTxnNumbers: true,
});

describe('Function: taxTreatment and taxSetupNeeds', () => {
  it('treats each company profile as the push does', () => {
    expect(taxTreatment(company('US', 'manual'))).toBe('us-manual');
    expect(taxTreatment(company('US', 'none'))).toBe('us-sales-tax-off');
    expect(taxTreatment(company('US', 'automated'))).toBe('us-automated');
    expect(taxTreatment(company('CA', 'automated'))).toBe('company-codes');
    expect(taxTreatment(company('CA', 'manual'))).toBe('company-codes');
    expect(taxTreatment(company('GB', 'none'))).toBe('not-registered');
  });

  it('asks a company not registered for VAT/GST/HST for no tax code, naming its tax', () => {
    for (const [country, name] of [
      ['CA', 'GST/HST'],
      ['GB', 'VAT'],
      ['AU', 'GST'],
    ] as const) {
      const needs = taxSetupNeeds(company(country, 'none'), null);
      expect(needs).toEqual([
        expect.objectContaining({ setting: 'quickbooks.salesTax', refusal: 'sales_tax_off' }),
      ]);
      expect(needs[0]?.message).toContain(`${name} is turned off in this QuickBooks company`);
      expect(salesTaxName(country)).toBe(name);
    }
    expect(salesTaxName('US')).toBe('sales tax');
  });

  it('needs nothing of a company not read yet: its first push reads it', () => {
    expect(taxSetupNeeds(null, null)).toEqual([]);
  });

  it('needs of a manual-tax US company a taxable code only when it has no default', () => {
    const manual = company('US', 'manual');
    expect(taxSetupNeeds(manual, null)).toEqual([
      expect.objectContaining({ setting: 'taxCodeMap.taxable', refusal: 'tax_code_missing' }),
    ]);
    // A pseudo code kept in a map from before they were refused is no code.
    expect(taxSetupNeeds(manual, { taxable: 'TAX' })).toHaveLength(1);
    expect(taxSetupNeeds(manual, { taxable: '3' })).toEqual([]);
    expect(taxSetupNeeds({ ...manual, defaultTaxCode: '1' }, null)).toEqual([]);
  });

  it('names the map’s taxable code in a US override, else a manual company’s default, never TAX/NON', () => {
    const manual = { ...company('US', 'manual'), defaultTaxCode: '1' };
    expect(overrideCode(manual, { taxable: '3' })).toBe('3');
    expect(overrideCode(manual, { taxable: 'NON' })).toBe('1');
    expect(overrideCode(manual, null)).toBe('1');
    expect(overrideCode({ ...company('US', 'automated'), defaultTaxCode: '1' }, null)).toBe(
      undefined,
    );
    expect(['TAX', 'NON', '1'].map(isPseudoTaxCode)).toEqual([true, true, false]);
  });

  it('needs nothing of a US company but sales tax turned on where it is off', () => {
    expect(taxSetupNeeds(company('US', 'automated'), null)).toEqual([]);
    expect(taxSetupNeeds({ ...company('US', 'manual'), defaultTaxCode: '1' }, null)).toEqual([]);
    expect(taxSetupNeeds(company('US', 'none'), null)).toEqual([
      expect.objectContaining({ setting: 'quickbooks.salesTax', refusal: 'sales_tax_off' }),
    ]);
  });

  it('outside the US, needs a code for each kind of line the map lacks', () => {
    const ca = company('CA', 'automated');
    expect(taxSetupNeeds(ca, null).map((n) => n.setting)).toEqual([
      'taxCodeMap.taxable',
      'taxCodeMap.exempt',
    ]);
    expect(taxSetupNeeds(ca, { taxable: '5' }).map((n) => n.setting)).toEqual([
      'taxCodeMap.exempt',
    ]);
    expect(taxSetupNeeds(ca, { taxable: '5', exempt: '7' })).toEqual([]);
  });

  it("maps a line by its key, else by its own code when that is one of the company's", () => {
    const known = (id: string) => id === '9';
    expect(mappedCode({ taxCode: null, taxable: true }, { taxable: '5' }, known)).toBe('5');
    expect(mappedCode({ taxCode: '9', taxable: true }, {}, known)).toBe('9');
    expect(mappedCode({ taxCode: '8', taxable: true }, {}, known)).toBeNull();
  });
});
