import type { InvoiceSnapshot } from './invoice.ts';
import { parseScaled } from './money.ts';
import type { TaxCodeRates } from './tax.ts';

/**
 * One sales TaxRate's part of an invoice's tax, in minor units: what QBO's
 * `TxnTaxDetail.TaxLine[].TaxLineDetail` carries (`TaxRateRef`, `TaxPercent`,
 * `NetAmountTaxable`) with the line's `Amount`.
 */
export interface RateTax {
  readonly rateId: string;
  readonly percent: number;
  /** The amount taxed at this rate (`NetAmountTaxable`), after the discount. */
  readonly base: number;
  /** The tax at this rate (`Amount`). */
  readonly tax: number;
}

/**
 * How tax is rounded to the currency: `line`, each line's tax at each rate rounded, then summed
 * per rate (QBO outside the US: "QuickBooks Online will always calculate line-by-line", Intuit
 * staff on the QuickBooks Community, Canada, thread 306952); `total`, the lines summed per rate,
 * then taxed and rounded once.
 */
export type TaxRounding = 'line' | 'total';

/** Half-up division of non-negative bigints. */
const divRound = (n: bigint, d: bigint) => (n + d / 2n) / d;

/** `percent` per cent of `base` minor units, rounded half up. */
function percentOf(base: bigint, percent: number): bigint {
  const scaled = parseScaled(String(percent));
  if (typeof scaled === 'string') throw new Error(`Unreadable tax rate ${percent}`);
  return divRound(base * scaled, 100n * 1_000_000n);
}

/**
 * An invoice's tax per sales TaxRate for these line codes, rounded per line or per total (see
 * {@link TaxRounding}). Each line is taxed less its pro-rata share of the invoice's discount
 * (global QBO: `ApplyTaxAfterDiscount` is US-only), a share rounded to the currency per line
 * (`line`) or per rate (`total`). Rates in order of first use; a code without rates adds none.
 *
 * @param snapshot - the invoice
 * @param codes - the TaxCode of each line, in order
 * @param rounding - where the tax is rounded
 */
export function taxPerRate(
  snapshot: Pick<InvoiceSnapshot, 'lines' | 'subtotal' | 'discountAmount'>,
  codes: readonly TaxCodeRates[],
  rounding: TaxRounding,
): RateTax[] {
  const subtotal = BigInt(snapshot.subtotal);
  const afterDiscount = subtotal - BigInt(snapshot.discountAmount);
  const discounted = (amount: bigint) =>
    subtotal > 0n ? divRound(amount * afterDiscount, subtotal) : amount;
  const perRate = new Map<string, { percent: number; amount: bigint; base: bigint; tax: bigint }>();
  snapshot.lines.forEach((line, i) => {
    const amount = BigInt(line.amount);
    const base = discounted(amount);
    for (const [rateId, percent] of codes[i]?.rates ?? []) {
      const entry = perRate.get(rateId) ?? { percent, amount: 0n, base: 0n, tax: 0n };
      entry.amount += amount;
      entry.base += base;
      entry.tax += percentOf(base, percent);
      perRate.set(rateId, entry);
    }
  });
  return [...perRate].map(([rateId, entry]) => {
    const base = rounding === 'line' ? entry.base : discounted(entry.amount);
    const tax = rounding === 'line' ? entry.tax : percentOf(base, entry.percent);
    return { rateId, percent: entry.percent, base: Number(base), tax: Number(tax) };
  });
}

/**
 * The tax of {@link taxPerRate}'s rates together, in minor units.
 *
 * @param rates - the tax per rate
 */
export function totalTax(rates: readonly RateTax[]): number {
  return rates.reduce((sum, r) => sum + r.tax, 0);
}

/**
 * The tax QBO computes outside the US for these line codes when no tax detail is supplied, in
 * minor units: rounded per line ({@link taxPerRate} `line`).
 *
 * @param snapshot - the invoice
 * @param codes - the TaxCode of each line, in order
 */
export function predictedTax(
  snapshot: Pick<InvoiceSnapshot, 'lines' | 'subtotal' | 'discountAmount'>,
  codes: readonly TaxCodeRates[],
): number {
  return totalTax(taxPerRate(snapshot, codes, 'line'));
}
