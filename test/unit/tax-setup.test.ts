/**
 * What Settings says a company needs (`setupNeeded`) comes from the same decision as the push's
 * tax plan: `taxTreatment` per company profile and `mappedCode` per line.
 */
import { describe, expect, it } from 'vitest';
import type { CompanyProfile } from '#shared/domain/company.ts';
import { mappedCode, taxSetupNeeds, taxTreatment } from '#shared/domain/tax.ts';

const company = (country: string, salesTax: CompanyProfile['salesTax']): CompanyProfile => ({
  country,
  homeCurrency: country === 'US' ? 'USD' : 'CAD',
  multiCurrency: false,
  salesTax,
  customTxnNumbers: true,
});

describe('Function: taxTreatment and taxSetupNeeds', () => {
  it('treats each company profile as the push does', () => {
    expect(taxTreatment(null)).toBe('us-lines');
    expect(taxTreatment(company('US', 'manual'))).toBe('us-lines');
    expect(taxTreatment(company('US', 'none'))).toBe('us-sales-tax-off');
    expect(taxTreatment(company('US', 'automated'))).toBe('us-automated');
    expect(taxTreatment(company('CA', 'automated'))).toBe('company-codes');
  });

  it('needs nothing of a US company but sales tax turned on where it is off', () => {
    expect(taxSetupNeeds(company('US', 'automated'), null)).toEqual([]);
    expect(taxSetupNeeds(company('US', 'manual'), null)).toEqual([]);
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
