import * as z from 'zod/mini';
import { QboError } from './faults.ts';
import type { QboClient } from './qbo-client.ts';

/**
 * QBO's answer to `GET /exchangerate?sourcecurrencycode=…&asofdate=…` (Intuit's ExchangeRate
 * entity): `{"ExchangeRate":{"SourceCurrencyCode","TargetCurrencyCode","Rate","AsOfDate",
 * "MetaData"},"time"}`. Only `Rate` is relied on.
 */
const exchangeRateAnswer = z.object({
  ExchangeRate: z.optional(z.object({ Rate: z.optional(z.number()) })),
});

/**
 * The rate in QBO's ExchangeRate answer, or `null` when it holds none: what QBO answers for a
 * date it has no rate for is unconfirmed, so a missing, non-numeric, zero or negative `Rate` all
 * mean "no rate" (the stricter reading; QBO would book such an invoice at 1).
 *
 * @param answer - the parsed JSON body
 */
export function rateOfAnswer(answer: unknown): number | null {
  const parsed = exchangeRateAnswer.safeParse(answer);
  const rate = parsed.success ? parsed.data.ExchangeRate?.Rate : undefined;
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? rate : null;
}

/** How long a rate read from QBO is reused by this process. */
const RATE_TTL_MS = 60 * 60_000;
/** Most rates kept; the oldest go first. */
const MAX_RATES = 5_000;
/**
 * Rates read from QBO, per company, currency and date, in this process only (a Lambda instance
 * keeps them while it lives, up to {@link RATE_TTL_MS}). Only rates found are kept: after "no
 * rate", an admin who adds one in QuickBooks and re-syncs is read afresh.
 */
const cache = new Map<string, { readonly rate: Promise<number | null>; readonly at: number }>();

/**
 * QBO's own exchange rate of the currency into the company's home currency for a date, or `null`
 * when QBO has none. Through the company's client, so under its limiter; cached per company,
 * currency and date (see {@link cache}). A fault QBO would answer again (validation, not found)
 * means "no rate"; any other failure (throttled, transient, auth) is thrown for the caller's retry.
 *
 * @param qbo - a client of the company
 * @param realmId - the company
 * @param currency - the invoice's ISO 4217 code
 * @param date - the invoice date, YYYY-MM-DD
 * @throws QboError when QBO could not answer
 */
export function qboExchangeRate(
  qbo: QboClient,
  realmId: string,
  currency: string,
  date: string,
): Promise<number | null> {
  const key = `${realmId}#${currency}#${date}`;
  const now = Date.now();
  const kept = cache.get(key);
  if (kept && now - kept.at < RATE_TTL_MS) return kept.rate;
  const rate = readRate(qbo, currency, date);
  cache.delete(key);
  cache.set(key, { rate, at: now });
  if (cache.size > MAX_RATES) cache.delete(cache.keys().next().value as string);
  // Only a rate found is kept.
  const forget = () => cache.get(key)?.rate === rate && cache.delete(key);
  rate.then((found) => found === null && forget(), forget);
  return rate;
}

async function readRate(qbo: QboClient, currency: string, date: string): Promise<number | null> {
  try {
    const answer = await qbo.send<unknown>({
      method: 'GET',
      path: 'exchangerate',
      query: { sourcecurrencycode: currency, asofdate: date },
    });
    return rateOfAnswer(answer);
  } catch (err) {
    if (err instanceof QboError && (err.failure === 'validation' || err.failure === 'not_found')) {
      return null;
    }
    throw err;
  }
}
