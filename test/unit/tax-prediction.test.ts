import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { money } from '#emulator/entity-rules.ts';
import type { InvoiceSnapshot, SnapshotLine } from '#shared/domain/invoice.ts';
import { predictedTax, type TaxCodeRates, taxKey } from '#shared/domain/tax.ts';

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

describe('Function: predictedTax', () => {
  it('taxes each line less its share of the discount, at every rate of its code', () => {
    // 100.00 at GST 5 % + PST 7 %, 50.00 exempt, 15.00 off: 90.00 taxable → 4.50 + 6.30.
    const bc = code({ gst: 5, pst: 7 });
    expect(predictedTax(snapshot([10000, 5000], 1500), [bc, exempt])).toBe(1080);
  });

  it('sums lines per rate before rounding, and rounds half up', () => {
    // 10.10 at 5 % = 0.505 → 0.51; two lines of 0.05 at 5 % = 0.005 together → 0.01, not 0 + 0.
    const gst = code({ gst: 5 });
    expect(predictedTax(snapshot([1010]), [gst])).toBe(51);
    expect(predictedTax(snapshot([5, 5]), [gst, gst])).toBe(1);
  });

  it("agrees with the emulator's global tax arithmetic for any lines, rate and discount", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cents: fc.integer({ min: 0, max: 500_000 }), taxed: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom(5, 6.25, 7, 8.875, 10, 13, 15, 20),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lines, percent, discountShare) => {
          const amounts = lines.map((l) => l.cents);
          const subtotal = amounts.reduce((s, a) => s + a, 0);
          const discount = Math.floor(subtotal * discountShare);
          const rate = code({ r: percent });
          const codes = lines.map((l) => (l.taxed ? rate : exempt));
          // The emulator (entity-rules.ts globalTaxDetail), in major units.
          let base = 0;
          for (const l of lines.filter((x) => x.taxed)) {
            base +=
              l.cents / 100 -
              (subtotal > 0 ? ((discount / 100) * (l.cents / 100)) / (subtotal / 100) : 0);
          }
          const taxed = lines.some((l) => l.taxed);
          const expected = taxed ? money((money(base) * percent) / 100) : 0;
          expect(predictedTax(snapshot(amounts, discount), codes)).toBe(Math.round(expected * 100));
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
