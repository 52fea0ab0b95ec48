import type { CompanyProfile } from '#shared/domain/company.ts';

/**
 * Fits an invoice body made by `toQboInvoiceBody` to the company's numbering and currency
 * settings (docs/currency-and-numbering.md). A connection whose settings were never read
 * (`company` null) gets the body unchanged: TradelyHQ's number, no CurrencyRef.
 *
 * - Custom transaction numbers off: TradelyHQ's DocNumber is not sent (Intuit: "do not send a
 *   value as it can lead to unwanted duplicates"), so QBO numbers a new invoice itself; an update
 *   sends back the number QBO gave it, so a full update never clears it.
 * - Multicurrency on: the invoice carries its CurrencyRef (its customer holds the same currency)
 *   and, in a foreign currency, its ExchangeRate (QBO would store 1 without it).
 *
 * @param body - the QBO Invoice body
 * @param company - the company's settings, or `null`
 * @param invoice - the invoice's currency, the number QBO gave it (an update of a pushed invoice)
 *   and the exchange rate it goes with (`exchangeRateFor` in push-settings.ts), if any
 */
export function withCompanySettings(
  body: Record<string, unknown>,
  company: CompanyProfile | null,
  invoice: {
    readonly currency: string;
    readonly qboDocNumber: string | null;
    readonly exchangeRate: string | null;
  },
): Record<string, unknown> {
  if (!company) return body;
  const { DocNumber, ...rest } = body;
  return {
    ...rest,
    ...(company.customTxnNumbers
      ? { DocNumber }
      : invoice.qboDocNumber
        ? { DocNumber: invoice.qboDocNumber }
        : {}),
    ...(company.multiCurrency ? { CurrencyRef: { value: invoice.currency } } : {}),
    ...(company.multiCurrency && invoice.exchangeRate !== null
      ? { ExchangeRate: Number(invoice.exchangeRate) }
      : {}),
  };
}
