/**
 * Exchange rates (README, *Exchange rates*): QBO's `GET /exchangerate?sourcecurrencycode=…&
 * asofdate=…` answered from a per-company table the admin API sets
 * (`PUT /_admin/companies/{realmId}/exchangerates`), and home-currency amounts at an invoice's
 * rate.
 */
import * as z from 'zod';
import { qboDateTime } from './clock.ts';
import { QboFaultError } from './errors.ts';
import { requiredParam } from './faults.ts';
import type { CompanyState } from './state.ts';

/** A company's rates: currency → date (YYYY-MM-DD) → home-currency units per one unit. */
export type RateTable = Record<string, Record<string, number>>;

/** The body of `PUT /_admin/companies/{realmId}/exchangerates`: the whole table, replaced. */
export const rateTableSchema = z.record(
  z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  z.record(
    z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
    z.number().positive().finite(),
  ),
);

/**
 * 610 for a currency and date the table has no rate for. What QBO answers then is unconfirmed
 * (README); the product treats any fault, a missing `Rate` and a non-positive one alike.
 */
function noRate(currency: string, date: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Object Not Found',
      Detail: `Object Not Found : no exchange rate for ${currency} as of ${date}`,
      code: '610',
    },
  ]);
}

/**
 * `GET /v3/company/{realmId}/exchangerate`: the rate of `sourcecurrencycode` into the company's
 * home currency on `asofdate`, shaped as Intuit's ExchangeRate entity. Both parameters are
 * required (the stricter reading of Intuit's reference); the home currency itself is 1.
 *
 * @param company - the company
 * @param query - the request's query string
 * @param now - emulator ms, for `MetaData`
 * @throws QboFaultError 2020 for a missing parameter, 610 for no rate
 */
export function readExchangeRate(
  company: CompanyState,
  query: URLSearchParams,
  now: number,
): Record<string, unknown> {
  const source = query.get('sourcecurrencycode')?.toUpperCase();
  const date = query.get('asofdate');
  if (!source) throw requiredParam('sourcecurrencycode');
  if (!date) throw requiredParam('asofdate');
  const home = company.profile?.homeCurrency ?? 'USD';
  const rate = source === home ? 1 : company.exchangeRates?.[source]?.[date];
  if (rate === undefined) throw noRate(source, date);
  return {
    ExchangeRate: {
      SourceCurrencyCode: source,
      TargetCurrencyCode: home,
      Rate: rate,
      AsOfDate: date,
      MetaData: { LastUpdatedTime: qboDateTime(now) },
    },
  };
}

/**
 * An amount in the home currency at a rate, rounded half away from zero to the home currency's
 * minor unit (cents; none for JPY).
 *
 * @param amount - in the transaction's currency
 * @param rate - home units per one transaction unit
 * @param homeCurrency - ISO 4217 code of the home currency
 */
export function homeAmount(amount: number, rate: number, homeCurrency: string): number {
  const digits = new Intl.NumberFormat('en', {
    style: 'currency',
    currency: homeCurrency,
  }).resolvedOptions().maximumFractionDigits as number;
  const scale = 10 ** digits;
  // Cut to 15 significant digits first: binary floats carry noise (see `money`).
  const units = Math.round(Number((Math.abs(amount * rate) * scale).toPrecision(15)));
  const rounded = (Math.sign(amount * rate) * units) / scale;
  return rounded === 0 ? 0 : rounded;
}
