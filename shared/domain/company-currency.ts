import type { CompanyProfile } from './company.ts';

/**
 * Codes the push contract accepts (the runtime's ISO 4217 list, `isCurrency`) that are units of
 * account, not money a business invoices in: the IMF's Special Drawing Right and the ALBA's
 * SUCRE. QBO's multicurrency list is a list of national currencies; it is not published as data,
 * so these are refused as the stricter reading (docs/currency-and-numbering.md).
 */
const NOT_MONEY = new Set(['XDR', 'XSU']);

/**
 * Why the company cannot hold an invoice in this currency, or `null` when it can: without
 * multicurrency only the home currency; with it, any national currency.
 *
 * @param currency - the invoice's ISO 4217 code
 * @param company - the company's settings
 */
export function currencyProblem(currency: string, company: CompanyProfile): string | null {
  const home = company.homeCurrency;
  if (currency === home) return null;
  if (!company.multiCurrency) {
    return (
      `The invoice is in ${currency} but the QuickBooks company keeps its books in ${home} only ` +
      `(multicurrency is off). Send the invoice in ${home}, or turn on multicurrency in QuickBooks ` +
      '(Settings → Account and settings → Advanced → Currency; it cannot be turned off again) ' +
      'and re-sync.'
    );
  }
  if (NOT_MONEY.has(currency)) {
    return (
      `QuickBooks has no currency ${currency}: its multicurrency list holds national currencies, ` +
      'not units of account. Send the invoice in the currency the client pays in.'
    );
  }
  return null;
}
