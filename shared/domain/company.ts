/**
 * The settings of a tenant's QuickBooks company that decide how an invoice must be pushed: its
 * country, sales-tax mode, currencies and numbering. Read from QBO's Preferences and CompanyInfo at
 * connect and refreshed at each reconcile (docs/company-profiles.md).
 */

/**
 * How the company handles sales tax, as its Preferences say:
 * - `automated`: US automated sales tax (`TaxPrefs.PartnerTaxEnabled`); QBO computes tax unless
 *   the push overrides it.
 * - `manual`: sales tax is on and the company's own TaxCodes apply (every non-US company that
 *   charges GST/HST/VAT, and US companies on the older manual setup).
 * - `none`: sales tax is off (`TaxPrefs.UsingSalesTax` false); QBO drops tax on invoices.
 */
export type SalesTaxMode = 'automated' | 'manual' | 'none';

/** The company settings kept on the connection and shown by `GET /integrations/quickbooks`. */
export interface CompanyProfile {
  /** ISO 3166 alpha-2 country of the QBO edition (`CompanyInfo.Country`), e.g. `US`, `CA`, `GB`, `AU`. */
  readonly country: string;
  /** ISO 4217 home currency (`Preferences.CurrencyPrefs.HomeCurrency`). */
  readonly homeCurrency: string;
  /** Whether multicurrency is on (`Preferences.CurrencyPrefs.MultiCurrencyEnabled`); it cannot be turned off. */
  readonly multiCurrency: boolean;
  readonly salesTax: SalesTaxMode;
  /** Whether the company numbers its own invoices (`Preferences.SalesFormsPrefs.CustomTxnNumbers`). */
  readonly customTxnNumbers: boolean;
  /**
   * The Id of the company's default sales tax code (`Preferences.TaxPrefs.TaxGroupCodeRef`), the
   * code a US company on manual sales tax charges when an invoice names none; absent when it has
   * none. Kept for the push, not shown in `GET /integrations/quickbooks` (see {@link shownCompany}).
   */
  readonly defaultTaxCode?: string;
}

/**
 * The company settings as `GET /integrations/quickbooks` shows them: all but `defaultTaxCode`.
 *
 * @param company - the settings kept on the connection
 */
export function shownCompany(company: CompanyProfile): CompanyProfile {
  const { defaultTaxCode: _kept, ...shown } = company;
  return shown;
}
