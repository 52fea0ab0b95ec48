// zod/mini: the workers that read the company (push, reconcile) stay free of zod's full build and
// its locales (446 KB of the push worker's bundle); see FUNCTION_BUNDLING.
import * as z from 'zod/mini';
import type { CompanyProfile } from '#shared/domain/company.ts';
import { isPseudoTaxCode } from '#shared/domain/tax.ts';
import type { QboClient } from './qbo-client.ts';

/**
 * The parts of `Preferences` that decide how an invoice is pushed. Absent flags read as QBO's
 * defaults for a new company: sales tax off, one currency, QBO's own numbering (Intuit, Preferences
 * entity reference: SalesFormsPrefs.CustomTxnNumbers, TaxPrefs.UsingSalesTax,
 * TaxPrefs.PartnerTaxEnabled, TaxPrefs.TaxGroupCodeRef, CurrencyPrefs).
 */
const preferencesSchema = z.object({
  SalesFormsPrefs: z.optional(z.object({ CustomTxnNumbers: z.optional(z.boolean()) })),
  TaxPrefs: z.optional(
    z.object({
      UsingSalesTax: z.optional(z.boolean()),
      PartnerTaxEnabled: z.optional(z.boolean()),
      TaxGroupCodeRef: z.optional(z.object({ value: z.string() })),
    }),
  ),
  CurrencyPrefs: z.optional(
    z.object({
      MultiCurrencyEnabled: z.optional(z.boolean()),
      HomeCurrency: z.optional(z.object({ value: z.string() })),
    }),
  ),
});

/** What a company read gives: its name and its push-relevant settings. */
export interface CompanyRead {
  readonly companyName: string;
  readonly profile: CompanyProfile;
}

/**
 * Reads the company's CompanyInfo, then its Preferences, and keeps what decides how invoices are
 * pushed. One after the other: with an expired access token, only the first meets the 401 and the
 * refresh.
 *
 * @param qbo - a client for the company's grant
 * @param realmId - the company
 * @throws QboError
 */
export async function readCompany(qbo: QboClient, realmId: string): Promise<CompanyRead> {
  const info = await qbo.companyInfo(realmId);
  const answer = await qbo.send<{ Preferences?: unknown }>({ method: 'GET', path: 'preferences' });
  const prefs = preferencesSchema.parse(answer.Preferences ?? {});
  const country = (info.Country ?? 'US').toUpperCase();
  const usingSalesTax = prefs.TaxPrefs?.UsingSalesTax ?? false;
  // A pseudo code is not a code the company has (TaxCode reference): it is no default.
  const defaultCode = prefs.TaxPrefs?.TaxGroupCodeRef?.value;
  const defaultTaxCode = defaultCode && !isPseudoTaxCode(defaultCode) ? defaultCode : undefined;
  return {
    companyName: info.CompanyName,
    profile: {
      country,
      homeCurrency: prefs.CurrencyPrefs?.HomeCurrency?.value ?? 'USD',
      multiCurrency: prefs.CurrencyPrefs?.MultiCurrencyEnabled ?? false,
      salesTax: !usingSalesTax
        ? 'none'
        : country === 'US' && prefs.TaxPrefs?.PartnerTaxEnabled
          ? 'automated'
          : 'manual',
      customTxnNumbers: prefs.SalesFormsPrefs?.CustomTxnNumbers ?? false,
      ...(defaultTaxCode ? { defaultTaxCode } : {}),
    },
  };
}
