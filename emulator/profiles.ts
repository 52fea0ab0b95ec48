/**
 * Company profiles: the settings in which real QBO companies differ (country, sales tax,
 * currency, numbering) and the rules the Accounting API applies for each. A company created
 * without any profile field has no profile and behaves exactly as before profiles existed
 * (emulator/README.md, "Company profiles"; every rule below names its source there).
 */

import { QboFaultError } from './errors.ts';
import { businessValidation, invalidReference } from './faults.ts';
import { type Entity, systemFields } from './state.ts';

/** The countries a profile can take. */
export const COUNTRIES = ['US', 'CA', 'GB', 'AU'] as const;
/** One of {@link COUNTRIES}. */
export type Country = (typeof COUNTRIES)[number];
/** How a company handles sales tax: outside the US only `none` (not registered for VAT/GST/HST). */
export const SALES_TAX_MODES = ['automated', 'manual', 'none'] as const;
/** One of {@link SALES_TAX_MODES}. */
export type SalesTaxMode = (typeof SALES_TAX_MODES)[number];

/** The settings of a profiled company. */
export interface CompanyProfile {
  readonly country: Country;
  /**
   * Outside the US `null` (registered: the company's own tax codes on every line) or `none`
   * (not registered for VAT/GST/HST: no tax codes, `UsingSalesTax` false). `legacy` (a US profile without `salesTax`) keeps the tax rules of a company without a
   * profile: the company `taxRate` applied to `TAX` lines, or manual sales tax when it is 0.
   */
  readonly salesTax: SalesTaxMode | 'legacy' | null;
  /** For `automated`: region (CountrySubDivisionCode) → percent QBO's engine would pick. */
  readonly astRates: Readonly<Record<string, number>>;
  readonly homeCurrency: string;
  readonly multiCurrency: boolean;
  readonly customTxnNumbers: boolean;
}

/** Home currency of each country when none is given. */
export const DEFAULT_CURRENCY: Record<Country, string> = {
  US: 'USD',
  CA: 'CAD',
  GB: 'GBP',
  AU: 'AUD',
};

const CURRENCY_NAMES: Record<string, string> = {
  USD: 'United States Dollar',
  CAD: 'Canadian Dollar',
  GBP: 'British Pound Sterling',
  AUD: 'Australian Dollar',
  EUR: 'Euro',
};

/**
 * A CurrencyRef for an ISO code, named as QBO names it.
 *
 * @param code - ISO 4217 code
 */
export function currencyRef(code: string): { value: string; name: string } {
  return { value: code, name: CURRENCY_NAMES[code] ?? code };
}

interface SeedRate {
  readonly name: string;
  readonly description: string;
  readonly rate: number;
  readonly agency: string;
}
interface SeedCode {
  readonly name: string;
  readonly description: string;
  /** Indexes into the country's rates; empty for a code that charges nothing. */
  readonly rates: readonly number[];
  readonly taxable: boolean;
}

/**
 * The sales tax codes and rates a new company of each country starts with. Names follow what
 * Intuit's forums and SDK issues show (GB "20.0% S" with rate "SS-20.0": intuit/QuickBooks-V3-PHP-SDK
 * issue 48); the exact lists QBO seeds are not published, so these are the common ones.
 */
const SEEDS: Record<Exclude<Country, 'US'>, { rates: SeedRate[]; codes: SeedCode[] }> = {
  CA: {
    rates: [
      { name: 'GST', description: 'GST', rate: 5, agency: 'Canada Revenue Agency' },
      { name: 'HST ON', description: 'HST Ontario', rate: 13, agency: 'Canada Revenue Agency' },
      { name: 'PST BC', description: 'PST British Columbia', rate: 7, agency: 'BC Finance' },
      { name: 'Exempt', description: 'Exempt', rate: 0, agency: 'Canada Revenue Agency' },
      { name: 'Zero-rated', description: 'Zero-rated', rate: 0, agency: 'Canada Revenue Agency' },
    ],
    codes: [
      { name: 'GST', description: 'GST', rates: [0], taxable: true },
      { name: 'HST ON', description: 'HST Ontario', rates: [1], taxable: true },
      { name: 'GST/PST BC', description: 'GST/PST British Columbia', rates: [0, 2], taxable: true },
      { name: 'Exempt', description: 'Exempt', rates: [3], taxable: false },
      { name: 'Zero-rated', description: 'Zero-rated', rates: [4], taxable: true },
    ],
  },
  GB: {
    rates: [
      { name: 'SS-20.0', description: 'Standard', rate: 20, agency: 'HM Revenue & Customs' },
      { name: 'RS-5.0', description: 'Reduced', rate: 5, agency: 'HM Revenue & Customs' },
      { name: 'ZS-0.0', description: 'Zero-rated', rate: 0, agency: 'HM Revenue & Customs' },
      { name: 'ES-0.0', description: 'Exempt', rate: 0, agency: 'HM Revenue & Customs' },
    ],
    codes: [
      { name: '20.0% S', description: 'Standard', rates: [0], taxable: true },
      { name: '5.0% R', description: 'Reduced', rates: [1], taxable: true },
      { name: '0.0% Z', description: 'Zero-rated', rates: [2], taxable: true },
      { name: 'Exempt', description: 'Exempt', rates: [3], taxable: false },
      { name: 'No VAT', description: 'No VAT', rates: [], taxable: false },
    ],
  },
  AU: {
    rates: [
      { name: 'GST (sales)', description: 'GST', rate: 10, agency: 'Australian Taxation Office' },
      {
        name: 'GST free (sales)',
        description: 'GST free',
        rate: 0,
        agency: 'Australian Taxation Office',
      },
      {
        name: 'Export (sales)',
        description: 'GST free exports',
        rate: 0,
        agency: 'Australian Taxation Office',
      },
    ],
    codes: [
      { name: 'GST', description: 'GST', rates: [0], taxable: true },
      { name: 'FRE', description: 'GST free', rates: [1], taxable: false },
      { name: 'EXP', description: 'GST free exports', rates: [2], taxable: false },
      { name: 'N-T', description: 'Not reportable', rates: [], taxable: false },
    ],
  },
};

/**
 * Whether a company sets its sales tax by hand, with a default tax code
 * (`Preferences.TaxPrefs.TaxGroupCodeRef`): a US profile with `salesTax: manual`, and a company
 * without a profile (or a US profile without `salesTax`) whose `taxRate` is 0, which its
 * Preferences show as sales tax on without the automated engine.
 *
 * @param profile - the company's profile, if any
 * @param taxRate - the company `taxRate`
 */
export function setsTaxByHand(profile: CompanyProfile | undefined, taxRate: number): boolean {
  if (profile?.salesTax === 'manual') return true;
  return (profile === undefined || profile.salesTax === 'legacy') && taxRate === 0;
}

/**
 * The TaxRates and TaxCodes a company has, and the Id of its default code, if any. A US company
 * with automated sales tax gets one code per region in `astRates` (QBO's engine creates them as
 * it charges); one that sets its tax by hand ({@link setsTaxByHand}) gets one code at its
 * `taxRate` (0 when none is given), its default; a company with sales tax (VAT/GST) off gets none.
 * A US company's TaxCode query also answers the pseudo codes `TAX` and `NON`
 * ({@link pseudoTaxCodes}); they are not stored here.
 *
 * @param profile - the profile, if any
 * @param taxRate - the company `taxRate`
 * @param now - emulator ms
 */
export function seedTaxes(
  profile: CompanyProfile | undefined,
  taxRate: number,
  now: number,
): {
  taxRates: Record<string, Entity>;
  taxCodes: Record<string, Entity>;
  defaultCodeId: string | null;
} {
  const taxRates: Record<string, Entity> = {};
  const taxCodes: Record<string, Entity> = {};
  let seed: { rates: SeedRate[]; codes: SeedCode[] };
  if (setsTaxByHand(profile, taxRate)) {
    seed = {
      rates: [{ name: 'Sales tax', description: 'Sales tax', rate: taxRate, agency: 'State' }],
      codes: [{ name: 'Sales tax', description: 'Sales tax', rates: [0], taxable: true }],
    };
  } else if (profile === undefined || profile.country === 'US' || profile.salesTax === 'none') {
    if (profile?.salesTax !== 'automated') return { taxRates, taxCodes, defaultCodeId: null };
    const regions = Object.keys(profile.astRates).sort();
    seed = {
      rates: regions.map((r) => ({
        name: `${r} State`,
        description: `${r} sales tax`,
        rate: profile.astRates[r] as number,
        agency: `${r} Department of Revenue`,
      })),
      codes: regions.map((r, i) => ({
        name: r,
        description: `${r} sales tax`,
        rates: [i],
        taxable: true,
      })),
    };
  } else {
    seed = SEEDS[profile.country];
  }
  seed.rates.forEach((rate, i) => {
    const id = String(i + 1);
    taxRates[id] = {
      ...systemFields(id, now),
      Name: rate.name,
      Description: rate.description,
      Active: true,
      RateValue: rate.rate,
      AgencyRef: { value: '1', name: rate.agency },
      SpecialTaxType: 'NONE',
      DisplayType: 'ReadOnly',
    };
  });
  seed.codes.forEach((code, i) => {
    const id = String(i + 1);
    const details = code.rates.map((r, order) => ({
      TaxRateRef: { value: String(r + 1), name: seed.rates[r]?.name },
      TaxTypeApplicable: 'TaxOnAmount',
      TaxOrder: order,
    }));
    taxCodes[id] = {
      ...systemFields(id, now),
      Name: code.name,
      Description: code.description,
      Active: true,
      Hidden: false,
      Taxable: code.taxable,
      TaxGroup: true,
      SalesTaxRateList: { TaxRateDetail: details },
      PurchaseTaxRateList: { TaxRateDetail: [] },
    };
  });
  return { taxRates, taxCodes, defaultCodeId: setsTaxByHand(profile, taxRate) ? '1' : null };
}

/**
 * The pseudo codes a US company's TaxCode query answers first, shaped as in Intuit's TaxCode
 * reference query sample (`TaxGroup: false`, no `Active`); they are not the company's own codes,
 * so they cannot be read by Id or named as a `TxnTaxCodeRef`.
 *
 * @param createdAt - the company's creation, emulator ms
 */
export function pseudoTaxCodes(createdAt: number): Entity[] {
  return [
    { Name: 'TAX', Taxable: true },
    { Name: 'NON', Taxable: false },
  ].map(({ Name, Taxable }) => ({
    ...systemFields(Name, createdAt),
    Name,
    Description: Name,
    Taxable,
    TaxGroup: false,
  }));
}

/**
 * The Preferences sections a profile decides.
 *
 * @param profile - the profile
 */
export function profilePreferences(
  profile: CompanyProfile,
  legacyTaxPrefs: unknown,
): Record<string, unknown> {
  const usingSalesTax = profile.salesTax !== 'none';
  const taxPrefs =
    profile.salesTax === 'legacy'
      ? legacyTaxPrefs
      : {
          UsingSalesTax: usingSalesTax,
          PartnerTaxEnabled: profile.country === 'US' && profile.salesTax === 'automated',
        };
  return {
    SalesFormsPrefs: {
      CustomTxnNumbers: profile.customTxnNumbers,
      AllowDiscount: true,
      AllowShipping: false,
      DefaultTerms: { value: '3' },
    },
    TaxPrefs: taxPrefs,
    CurrencyPrefs: {
      MultiCurrencyEnabled: profile.multiCurrency,
      HomeCurrency: { value: profile.homeCurrency },
    },
  };
}

/** Documented maxima (Intuit's API reference, per entity: see emulator/README.md). */
const MAXIMA: Record<'Invoice' | 'Customer' | 'Item', readonly (readonly [string, number])[]> = {
  Invoice: [
    ['DocNumber', 21],
    ['PrivateNote', 4000],
    ['CustomerMemo.value', 1000],
    ['BillEmail.Address', 100],
    ['BillEmailCc.Address', 100],
    ['BillEmailBcc.Address', 100],
    ...addressMaxima('BillAddr'),
    ...addressMaxima('ShipAddr'),
  ],
  Customer: [
    ['DisplayName', 500],
    ['Title', 16],
    ['GivenName', 100],
    ['MiddleName', 100],
    ['FamilyName', 100],
    ['Suffix', 16],
    ['CompanyName', 100],
    ['PrintOnCheckName', 110],
    ['PrimaryEmailAddr.Address', 100],
    ['PrimaryPhone.FreeFormNumber', 30],
    ['Mobile.FreeFormNumber', 30],
    ['Fax.FreeFormNumber', 30],
    ['ResaleNum', 16],
    ['Notes', 2000],
    ...addressMaxima('BillAddr'),
    ...addressMaxima('ShipAddr'),
  ],
  Item: [
    ['Name', 100],
    ['Sku', 100],
    ['Description', 4000],
    ['PurchaseDesc', 1000],
  ],
};

function addressMaxima(prefix: string): [string, number][] {
  return [
    [`${prefix}.Line1`, 500],
    [`${prefix}.Line2`, 500],
    [`${prefix}.Line3`, 500],
    [`${prefix}.Line4`, 500],
    [`${prefix}.Line5`, 500],
    [`${prefix}.City`, 255],
    [`${prefix}.Country`, 255],
    [`${prefix}.CountrySubDivisionCode`, 255],
    [`${prefix}.PostalCode`, 30],
  ];
}

/**
 * 2050: a string over its documented maximum. Message, detail and element as in a recorded
 * QBO answer for a 45-character DocNumber (see emulator/README.md).
 *
 * @param element - the field
 * @param max - its maximum
 * @param length - the length supplied
 */
export function stringTooLong(element: string, max: number, length: number): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'String length is either shorter or longer than supported by specification',
      Detail: `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:${length}`,
      code: '2050',
      element,
    },
  ]);
}

/**
 * 6140: a DocNumber already used by another sales form. Wording as users report it (see
 * emulator/README.md); the Detail names the form that holds the number and its Id.
 *
 * @param docNumber - the number
 * @param holder - the form that has it: its `TxnType` as QBO spells it, and its Id
 */
export function duplicateDocNumber(
  docNumber: string,
  holder: { readonly txnType: string; readonly id: string },
): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Duplicate Document Number Error',
      Detail: `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${holder.txnType} with TxnId=${holder.id}`,
      code: '6140',
      element: 'DocNumber',
    },
  ]);
}

function at(obj: Record<string, unknown>, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Refuses (2050) the first string over its documented maximum.
 *
 * @param entity - Invoice, Customer or Item
 * @param draft - the entity as sent
 */
export function checkLengths(
  entity: 'Invoice' | 'Customer' | 'Item',
  draft: Record<string, unknown>,
): void {
  for (const [path, max] of MAXIMA[entity]) {
    const value = at(draft, path);
    if (typeof value === 'string' && value.length > max) {
      throw stringTooLong(path, max, value.length);
    }
  }
  if (entity === 'Invoice' && Array.isArray(draft.Line)) {
    for (const line of draft.Line) {
      const description = (line as Record<string, unknown> | null)?.Description;
      if (typeof description === 'string' && description.length > 4000) {
        throw stringTooLong('Line.Description', 4000, description.length);
      }
    }
  }
}

/**
 * The currency a new customer gets: the one it asks for, which the company must be able to
 * hold, else the home currency.
 *
 * @param profile - the company's profile
 * @param requested - the CurrencyRef sent
 */
export function customerCurrency(profile: CompanyProfile, requested: unknown): string {
  const code = refCode(requested) ?? profile.homeCurrency;
  if (code !== profile.homeCurrency && !profile.multiCurrency) {
    throw businessValidation(
      `Multicurrency is not enabled for this company: a customer can only use the home currency ${profile.homeCurrency}.`,
    );
  }
  if (!/^[A-Z]{3}$/.test(code)) throw invalidReference('CurrencyRef');
  return code;
}

/**
 * The ISO code in a CurrencyRef, if any.
 *
 * @param ref - the CurrencyRef
 */
export function refCode(ref: unknown): string | undefined {
  if (typeof ref === 'object' && ref !== null) {
    const value = (ref as Record<string, unknown>).value;
    if (typeof value === 'string' && value.trim() !== '') return value.trim().toUpperCase();
  }
  return undefined;
}
