/**
 * Exchange rates of foreign-currency invoices (docs/currency-and-numbering.md, *Exchange rate*):
 * a rate is a decimal string of home-currency units per one unit of the invoice's currency, as
 * QBO's Invoice `ExchangeRate` means it. QBO stores 1 when a create omits the rate (WordPress/
 * wordcamp.org PR 1325), so a foreign-currency invoice always carries one: TradelyHQ's, else
 * QBO's own for the invoice date.
 */

/** A rate in the push contract: up to 9 integer and 12 decimal digits. */
export const RATE_PATTERN = /^\d{1,9}(\.\d{1,12})?$/;

/**
 * A contract rate without leading or trailing zeros (`"01.0900"` → `"1.09"`), as the sync view
 * shows it.
 *
 * @param rate - a string matching {@link RATE_PATTERN}
 */
export function normalRate(rate: string): string {
  const [whole = '0', fraction = ''] = rate.split('.');
  const int = whole.replace(/^0+(?=\d)/, '');
  const frac = fraction.replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/**
 * QBO's rate (a JSON number) as a decimal string.
 *
 * @param rate - QBO's `Rate` or `ExchangeRate`
 */
export function rateText(rate: number): string {
  return String(rate);
}

/**
 * Whether QBO's number is the rate TradelyHQ holds (compared as numbers: QBO answers `1.09` for
 * `"1.0900"`).
 *
 * @param ours - the rate as a decimal string
 * @param theirs - QBO's number, if it has one
 */
export function sameRate(ours: string, theirs: number | undefined): boolean {
  return theirs !== undefined && Number(ours) === theirs;
}

/**
 * Why a home-currency invoice's rate is refused: only 1 (or none) means anything in the company's
 * own currency.
 *
 * @param currency - the invoice's (and the company's home) currency
 * @param rate - the rate TradelyHQ sent
 */
export function homeCurrencyRateProblem(currency: string, rate: string): string | null {
  if (Number(rate) === 1) return null;
  return (
    `The invoice is in ${currency}, the QuickBooks company's home currency, but carries an ` +
    `exchange rate of ${rate}: an invoice in the home currency has none (or 1). Send it without ` +
    'an exchange rate, or in the currency the rate is for.'
  );
}

/**
 * The refusal of a foreign-currency invoice QBO has no rate for, naming the currency and date.
 *
 * @param currency - the invoice's currency
 * @param home - the company's home currency
 * @param date - the invoice date
 */
export function missingRateProblem(currency: string, home: string, date: string): string {
  return (
    `QuickBooks has no ${currency} to ${home} exchange rate for ${date}, the invoice date, and ` +
    'TradelyHQ sent none. QuickBooks would book the invoice at a rate of 1. Add the rate for ' +
    `that date in QuickBooks (Settings → Currencies) and re-sync, or send the invoice with its ` +
    'exchange rate from TradelyHQ.'
  );
}
