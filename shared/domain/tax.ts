import type { CompanyProfile } from './company.ts';
import type { InvoiceSnapshot, SnapshotLine } from './invoice.ts';
import { formatAmount } from './money.ts';

/**
 * The tenant's tax code map (`PUT /integrations/quickbooks/settings {taxCodeMap}`): a line's key
 * (see {@link taxKey}) → the Id of one of the company's QBO TaxCodes. Outside the US every line
 * needs one; in a US company, `taxable` names the code a taxed invoice carries (for manual sales
 * tax, instead of the company's default code).
 */
export type TaxCodeMap = Readonly<Record<string, string>>;

/** One of the company's TaxCodes with the percentages of its sales rates, e.g. GST/PST BC 5 and 7. */
export interface TaxCodeRates {
  readonly id: string;
  readonly name: string;
  /** Sales TaxRates by Id → percent. Empty for a code that charges nothing. */
  readonly rates: ReadonlyMap<string, number>;
}

/**
 * The key of a line in the tax code map: its `taxCode` when TradelyHQ sent one, else `taxable`
 * or `exempt`.
 *
 * @param line - a snapshot line
 */
export function taxKey(line: Pick<SnapshotLine, 'taxCode' | 'taxable'>): string {
  return line.taxCode ?? (line.taxable ? 'taxable' : 'exempt');
}

/**
 * Whether an Id is one of the US pseudo codes `TAX` and `NON`: QBO's TaxCode query lists them
 * first (Intuit's TaxCode reference, query sample), but they only mark a US line taxable or not;
 * they are never one of the company's codes, so never offered, mapped or named in an override.
 *
 * @param id - a TaxCode Id
 */
export function isPseudoTaxCode(id: string): boolean {
  return id === 'TAX' || id === 'NON';
}

/**
 * How a company takes TradelyHQ's tax (docs/company-profiles.md), the one decision both the
 * push's tax plan and the settings' list of what is needed read:
 *
 * - `us-manual`: `TAX`/`NON` on each line and, when anything is taxed, `TxnTaxCodeRef` with
 *   `TotalTax` (a US company on manual sales tax: QBO ignores a `TotalTax` sent alone);
 * - `us-sales-tax-off`: a US company with sales tax off, where a taxed invoice is refused;
 * - `us-automated`: `TAX`/`NON` and QBO's documented override of its own computation;
 * - `company-codes`: outside the US, one of the company's codes on every line, from the map;
 * - `not-registered`: outside the US with VAT/GST/sales tax off (`TaxPrefs.UsingSalesTax` false,
 *   a business not registered for it): no codes at all, and a taxed invoice is refused.
 *
 * @param company - the company's profile
 */
export function taxTreatment(
  company: CompanyProfile,
): 'us-manual' | 'us-sales-tax-off' | 'us-automated' | 'company-codes' | 'not-registered' {
  if (company.country !== 'US') {
    return company.salesTax === 'none' ? 'not-registered' : 'company-codes';
  }
  if (company.salesTax === 'manual') return 'us-manual';
  return company.salesTax === 'none' ? 'us-sales-tax-off' : 'us-automated';
}

/**
 * What the company's QuickBooks calls its sales tax, as a refusal names the setting: VAT (GB),
 * GST (AU), GST/HST (CA), else sales tax.
 *
 * @param country - `CompanyInfo.Country`
 */
export function salesTaxName(country: string): string {
  return { GB: 'VAT', AU: 'GST', CA: 'GST/HST' }[country] ?? 'sales tax';
}

/**
 * The TaxCode a US company's invoice names as `TxnTaxDetail.TxnTaxCodeRef`, with `TotalTax`:
 * the map's `taxable` code, else (on manual sales tax) the company's default code; `undefined`
 * when there is none. A pseudo code in the map (one set before they were refused) never counts.
 *
 * @param company - the company's profile
 * @param map - the tenant's tax code map
 */
export function overrideCode(
  company: CompanyProfile,
  map: TaxCodeMap | null | undefined,
): string | undefined {
  const mapped = map?.taxable;
  if (mapped !== undefined && !isPseudoTaxCode(mapped)) return mapped;
  return company.salesTax === 'manual' ? company.defaultTaxCode : undefined;
}

/**
 * The company code for a line under `company-codes`: the map's entry for its key, else its own
 * `taxCode` when that is one of the company's codes; null when it has none.
 *
 * @param line - the line (its `taxCode` and `taxable`)
 * @param map - the tenant's tax code map
 * @param isCompanyCode - whether an id is one of the company's tax codes (none given: a line's
 *   own code never counts)
 */
export function mappedCode(
  line: Pick<SnapshotLine, 'taxCode' | 'taxable'>,
  map: TaxCodeMap,
  isCompanyCode?: (id: string) => boolean,
): string | null {
  const own = line.taxCode !== null && isCompanyCode?.(line.taxCode) === true;
  return map[taxKey(line)] ?? (own ? line.taxCode : null);
}

/** A setting without which some invoices are refused before anything is sent to QuickBooks. */
export interface SetupNeed {
  /** The setting: `taxCodeMap.taxable`, `taxCodeMap.exempt`, or one in QuickBooks itself. */
  readonly setting: string;
  /** The refusal such an invoice meets (its `lastError.code` and the sync error's `code`). */
  readonly refusal: string;
  /** Which invoices wait for it, and what to do, in the admin's words. */
  readonly message: string;
}

const LINE_KINDS = [
  { key: 'taxable', lines: 'a taxable line', label: 'taxable lines' },
  { key: 'exempt', lines: 'a tax-exempt line', label: 'exempt lines' },
] as const;

/**
 * What must be set before which invoices can be pushed, read from the same rules as the push's
 * tax plan ({@link taxTreatment}, {@link mappedCode}), so the settings and the refusals agree.
 *
 * @param company - the company's profile, when it has been read
 * @param map - the tenant's tax code map
 */
export function taxSetupNeeds(
  company: CompanyProfile | null | undefined,
  map: TaxCodeMap | null | undefined,
): SetupNeed[] {
  // Not read yet: the first push reads the company before it plans the tax.
  if (!company) return [];
  switch (taxTreatment(company)) {
    case 'us-manual':
      return overrideCode(company, map) === undefined
        ? [
            {
              setting: 'taxCodeMap.taxable',
              refusal: 'tax_code_missing',
              message:
                'Choose the QuickBooks tax code for taxable lines: this company has no default ' +
                'sales tax code, so until then an invoice that charges tax is refused before it ' +
                'is sent to QuickBooks.',
            },
          ]
        : [];
    case 'us-sales-tax-off':
      return [
        {
          setting: 'quickbooks.salesTax',
          refusal: 'sales_tax_off',
          message:
            'Sales tax is turned off in this QuickBooks company: an invoice that charges tax is ' +
            'refused until it is turned on in QuickBooks (Taxes → Sales tax).',
        },
      ];
    case 'not-registered': {
      // No tax codes to map: the company has none while its VAT/GST is off.
      const name = salesTaxName(company.country);
      return [
        {
          setting: 'quickbooks.salesTax',
          refusal: 'sales_tax_off',
          message:
            `${name} is turned off in this QuickBooks company (not registered for ${name}): ` +
            'untaxed invoices are pushed without tax codes, and an invoice that charges tax is ' +
            `refused until ${name} is turned on in QuickBooks (Taxes).`,
        },
      ];
    }
    case 'company-codes':
      return LINE_KINDS.flatMap(({ key, lines, label }) =>
        mappedCode({ taxCode: null, taxable: key === 'taxable' }, map ?? {}) === null
          ? [
              {
                setting: `taxCodeMap.${key}`,
                refusal: 'tax_code_unmapped',
                message:
                  `Choose the QuickBooks tax code for ${label}: until then, an invoice with ` +
                  `${lines} is refused before it is sent to QuickBooks.`,
              },
            ]
          : [],
      );
    default:
      return [];
  }
}

/**
 * Money as an admin reads it in a refusal: `12.50 CAD`.
 *
 * @param snapshot - the invoice, for its currency
 * @param minor - the amount in minor units
 */
export function shownAmount(snapshot: InvoiceSnapshot, minor: number): string {
  return `${formatAmount(minor, snapshot.digits)} ${snapshot.currency}`;
}
