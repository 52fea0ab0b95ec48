import type { InvoiceSnapshot, SnapshotLine } from './invoice.ts';
import { formatAmount, parseScaled } from './money.ts';

/**
 * The tenant's tax code map (`PUT /integrations/quickbooks/settings {taxCodeMap}`): a line's key
 * (see {@link taxKey}) → the Id of one of the company's QBO TaxCodes. Outside the US every line
 * needs one; in a US company with automated sales tax, `taxable` names the code of the override.
 */
export type TaxCodeMap = Readonly<Record<string, string>>;

/** One of the company's TaxCodes with the percentages of its sales rates, e.g. GST/PST BC 5 and 7. */
export interface TaxCodeRates {
  readonly id: string;
  readonly name: string;
  /** Sales TaxRates by Id → percent. Empty for a code that charges nothing. */
  readonly rates: ReadonlyMap<string, number>;
}

/**
 * The key of a line in the tax code map: its `taxCode` when TradelyHQ sent one, else `taxable`
 * or `exempt`.
 *
 * @param line - a snapshot line
 */
export function taxKey(line: SnapshotLine): string {
  return line.taxCode ?? (line.taxable ? 'taxable' : 'exempt');
}

/** Half-up division of non-negative bigints. */
const divRound = (n: bigint, d: bigint) => (n + d / 2n) / d;

/**
 * The tax QBO computes outside the US for these line codes, in minor units: each line less its
 * pro-rata share of the discount, summed per TaxRate, rounded to the currency, then times the
 * rate, rounded (emulator/README.md "Company profiles"; how QBO rounds is not published, so a
 * push whose tax this does not predict is refused rather than sent).
 *
 * @param snapshot - the invoice
 * @param codes - the TaxCode of each line, in order
 */
export function predictedTax(snapshot: InvoiceSnapshot, codes: readonly TaxCodeRates[]): number {
  const perRate = new Map<string, { percent: number; amount: bigint }>();
  snapshot.lines.forEach((line, i) => {
    for (const [rateId, percent] of codes[i]?.rates ?? []) {
      const entry = perRate.get(rateId) ?? { percent, amount: 0n };
      entry.amount += BigInt(line.amount);
      perRate.set(rateId, entry);
    }
  });
  const subtotal = BigInt(snapshot.subtotal);
  const afterDiscount = subtotal - BigInt(snapshot.discountAmount);
  let tax = 0n;
  for (const { percent, amount } of perRate.values()) {
    const base = subtotal > 0n ? divRound(amount * afterDiscount, subtotal) : amount;
    const scaled = parseScaled(String(percent));
    if (typeof scaled === 'string') throw new Error(`Unreadable tax rate ${percent}`);
    tax += divRound(base * scaled, 100n * 1_000_000n);
  }
  return Number(tax);
}

/**
 * Money as an admin reads it in a refusal: `12.50 CAD`.
 *
 * @param snapshot - the invoice, for its currency
 * @param minor - the amount in minor units
 */
export function shownAmount(snapshot: InvoiceSnapshot, minor: number): string {
  return `${formatAmount(minor, snapshot.digits)} ${snapshot.currency}`;
}
