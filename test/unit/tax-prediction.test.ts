import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvoiceSnapshot, SnapshotLine } from '#shared/domain/invoice.ts';
import { type TaxCodeRates, taxKey } from '#shared/domain/tax.ts';
import { predictedTax, taxPerRate, totalTax } from '#shared/domain/tax-rounding.ts';

function snapshot(amounts: number[], discountAmount = 0): InvoiceSnapshot {
  const lines = amounts.map((amount, i) => ({ lineId: `ln_${i}`, amount }) as SnapshotLine);
  const subtotal = amounts.reduce((s, a) => s + a, 0);
  return { lines, subtotal, discountAmount, digits: 2 } as unknown as InvoiceSnapshot;
}

const code = (rates: Record<string, number>): TaxCodeRates => ({
  id: 'c',
  name: 'c',
  rates: new Map(Object.entries(rates)),
});
const exempt = code({});

describe('Function: predictedTax (QBO outside the US: per line)', () => {
  it('81.09 at 12 % in 31 lines is 9.71, as QBO booked it, not 9.73 (Community thread 306952)', () => {
    // 29 lines at 1.59 and two at 11 × 1.59 = 17.49: 81.09. Per line 0.19 × 29 + 2.10 × 2.
    const amounts = [...Array<number>(29).fill(159), 1749, 1749];
    const twelve = code({ hst: 12 });
    const codes = amounts.map(() => twelve);
    expect(predictedTax(snapshot(amounts), codes)).toBe(971);
    expect(totalTax(taxPerRate(snapshot(amounts), codes, 'total'))).toBe(973);
    expect(taxPerRate(snapshot(amounts), codes, 'line')).toEqual([
      { rateId: 'hst', percent: 12, base: 8109, tax: 971 },
    ]);
  });

  it('taxes each line less its share of the discount, at every rate of its code', () => {
    // 100.00 at GST 5 % + PST 7 %, 50.00 exempt, 15.00 off: 90.00 taxable → 4.50 + 6.30.
    const bc = code({ gst: 5, pst: 7 });
    expect(predictedTax(snapshot([10000, 5000], 1500), [bc, exempt])).toBe(1080);
    expect(taxPerRate(snapshot([10000, 5000], 1500), [bc, exempt], 'line')).toEqual([
      { rateId: 'gst', percent: 5, base: 9000, tax: 450 },
      { rateId: 'pst', percent: 7, base: 9000, tax: 630 },
    ]);
  });

  it('rounds each line half up, where a per-total rounding sums first', () => {
    // 10.10 at 5 % = 0.505 → 0.51; two lines of 0.05 at 5 %: 0.0025 each → 0 + 0, but 0.01 on the total.
    const gst = code({ gst: 5 });
    expect(predictedTax(snapshot([1010]), [gst])).toBe(51);
    expect(predictedTax(snapshot([5, 5]), [gst, gst])).toBe(0);
    expect(totalTax(taxPerRate(snapshot([5, 5]), [gst, gst], 'total'))).toBe(1);
  });

  /**
   * An independent computation, in integer thousandths of a per cent and plain numbers (not the
   * product's scaled decimals): each line less its share of the discount (rounded half up to the
   * cent), times the rate, rounded half up to the cent; per line, or once on the rate's sum.
   */
  function independent(
    cents: readonly number[],
    taxed: readonly boolean[],
    milliPercent: number,
    discount: number,
  ) {
    const subtotal = cents.reduce((s, c) => s + c, 0);
    const afterShare = (c: number) =>
      subtotal > 0 ? Math.floor((c * (subtotal - discount) * 2 + subtotal) / (2 * subtotal)) : c;
    const taxOf = (base: number) => Math.floor((base * milliPercent * 2 + 100_000) / 200_000);
    const taxedCents = cents.filter((_, i) => taxed[i]);
    return {
      line: taxedCents.reduce((s, c) => s + taxOf(afterShare(c)), 0),
      total: taxOf(afterShare(taxedCents.reduce((s, c) => s + c, 0))),
    };
  }

  it('equals an independent per-line and per-total computation for any lines, rate and discount', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cents: fc.integer({ min: 0, max: 500_000 }), taxed: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.constantFrom(5000, 6250, 7000, 8875, 9975, 10_000, 12_000, 13_000, 15_000, 20_000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lines, milliPercent, discountShare) => {
          const amounts = lines.map((l) => l.cents);
          const subtotal = amounts.reduce((s, a) => s + a, 0);
          const discount = Math.floor(subtotal * discountShare);
          const rate = code({ r: milliPercent / 1000 });
          const codes = lines.map((l) => (l.taxed ? rate : exempt));
          const expected = independent(
            amounts,
            lines.map((l) => l.taxed),
            milliPercent,
            discount,
          );
          const invoice = snapshot(amounts, discount);
          expect(predictedTax(invoice, codes)).toBe(expected.line);
          expect(totalTax(taxPerRate(invoice, codes, 'line'))).toBe(expected.line);
          expect(totalTax(taxPerRate(invoice, codes, 'total'))).toBe(expected.total);
        },
      ),
    );
  });
});

describe('Function: taxKey', () => {
  it("is the line's taxCode when sent, else taxable or exempt", () => {
    const line = (taxable: boolean, taxCode: string | null) =>
      ({ taxable, taxCode }) as SnapshotLine;
    expect(taxKey(line(true, 'HST'))).toBe('HST');
    expect(taxKey(line(true, null))).toBe('taxable');
    expect(taxKey(line(false, null))).toBe('exempt');
  });
});
