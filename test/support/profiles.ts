/**
 * The company profiles the push, reconcile and resync suites run on (issue 15): the emulator's
 * default company and profiled US companies whose invoices need no tax-code map, covering the
 * settings that change what the push sends: manual sales tax, QBO's own numbering, multicurrency.
 */

/** The profile fields of the emulator's `POST /_admin/companies`. */
export interface CompanyProfileFields {
  readonly country?: 'US' | 'CA' | 'GB' | 'AU';
  readonly salesTax?: 'automated' | 'manual' | 'none';
  readonly astRates?: Record<string, number>;
  /** With `salesTax: manual`: the rate of the company's one, default, tax code. */
  readonly taxRate?: number;
  readonly homeCurrency?: string;
  readonly multiCurrency?: boolean;
  readonly customTxnNumbers?: boolean;
}

/** A named profile for `describe.each`. */
export interface TestProfile {
  readonly name: string;
  readonly fields: CompanyProfileFields;
  /** Whether QBO keeps TradelyHQ's invoice number (custom transaction numbers on). */
  readonly keepsNumbers: boolean;
}

/** The emulator's company without a profile: the one every suite was written against. */
export const DEFAULT_PROFILE: TestProfile = {
  name: 'default company',
  fields: {},
  keepsNumbers: true,
};

/** US, manual sales tax, QBO numbers invoices itself. */
export const QBO_NUMBERING: TestProfile = {
  name: 'US manual tax, QBO numbering',
  fields: { salesTax: 'manual', customTxnNumbers: false },
  keepsNumbers: false,
};

/** US, manual sales tax, multicurrency on, custom numbers (duplicates refused with 6140). */
export const MULTICURRENCY: TestProfile = {
  name: 'US manual tax, multicurrency',
  fields: { salesTax: 'manual', multiCurrency: true },
  keepsNumbers: true,
};

/** Every profile the suites run on. */
export const SUITE_PROFILES: readonly TestProfile[] = [
  DEFAULT_PROFILE,
  QBO_NUMBERING,
  MULTICURRENCY,
];
