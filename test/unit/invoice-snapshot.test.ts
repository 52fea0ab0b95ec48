import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InvoiceSnapshot, pushInvoiceSchema, toSnapshot } from '#shared/domain/invoice.ts';
import { formatAmount, lineAmount, parseAmount, parseScaled } from '#shared/domain/money.ts';
import { pushExample } from '../fixtures/push-example.ts';

function check(body: unknown) {
  const parsed = pushInvoiceSchema.safeParse(body);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  }
  return toSnapshot(parsed.data);
}

const withChanges = (change: (b: typeof pushExample) => void) => {
  const body = structuredClone(pushExample);
  change(body);
  return body;
};

describe('Function: toSnapshot', () => {
  it('accepts the contract example as it is and normalises money to minor units', () => {
    const snapshot = check(pushExample) as InvoiceSnapshot;
    expect(snapshot).toMatchObject({
      revision: 1,
      docNumber: 'INV-1001',
      subtotal: 93400,
      total: 93400,
    });
    expect(snapshot.lines.map((l) => [l.quantity, l.unitPrice, l.amount, l.taxable])).toEqual([
      ['3', '95', 28500, false],
      ['1', '649', 64900, true],
    ]);
  });

  it('accepts integer minor units and ignores fields core adds later', () => {
    const body = withChanges((b) => {
      (b.totals as Record<string, unknown>) = { subtotal: 93400, tax: 0, total: 93400 };
      (b as Record<string, unknown>).salesRep = 'Bob';
    });
    expect(check(body)).toMatchObject({ total: 93400 });
  });

  it('refuses floats, listing each by path', () => {
    const body = withChanges((b) => {
      (b.totals as Record<string, unknown>).total = 934.5;
      (b.lines[0] as Record<string, unknown>).amount = 285.1;
    });
    const issues = check(body) as { path: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['lines.0.amount', 'totals.total']);
  });

  it('lists every money problem: a wrong line amount, subtotal and total', () => {
    const body = withChanges((b) => {
      Object.assign(b.lines[0] ?? {}, { amount: '280.00' });
      Object.assign(b.lines[1] ?? {}, { amount: '650.00' });
      b.totals.total = '999.00';
    });
    const issues = check(body) as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toEqual([
      'lines.0.amount',
      'lines.1.amount',
      'totals.subtotal',
      'totals.total',
    ]);
    expect(issues[0]?.message).toBe('is 280.00 but quantity × unit price is 285.00');
  });

  it('refuses more decimals than the currency has (JPY has none)', () => {
    const body = withChanges((b) => {
      b.currency = 'JPY';
    });
    const issues = check(body) as { path: string }[];
    expect(issues.map((i) => i.path)).toContain('totals.total');
  });

  it('applies an amount or percent discount to the total', () => {
    const amountOff = withChanges((b) => {
      (b as Record<string, unknown>).discount = { amount: '34.00' };
      b.totals.total = '900.00';
    });
    expect(check(amountOff)).toMatchObject({ discountAmount: 3400, total: 90000 });
    const percentOff = withChanges((b) => {
      (b as Record<string, unknown>).discount = { percent: '10' };
      b.totals.total = '840.60';
    });
    expect(check(percentOff)).toMatchObject({ discountAmount: 9340, total: 84060 });
  });

  it('names missing and malformed fields by path', () => {
    const issues = check({ ...pushExample, docNumber: '', issueDate: '2026-02-30', lines: [] }) as {
      path: string;
    }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['docNumber', 'issueDate', 'lines']);
  });
});

describe('Money', () => {
  it('formats what it parses, for any amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 }),
        fc.constantFrom(0, 2, 3),
        (minor, digits) => {
          expect(parseAmount(formatAmount(minor, digits), digits)).toBe(minor);
        },
      ),
    );
  });

  it('computes quantity × price exactly, rounding half away from zero', () => {
    expect(lineAmount(parseScaled('3') as bigint, parseScaled('95.00') as bigint, 2)).toBe(28500);
    expect(lineAmount(parseScaled('1.5') as bigint, parseScaled('0.125') as bigint, 2)).toBe(19);
    expect(lineAmount(parseScaled('0.333333') as bigint, parseScaled('3') as bigint, 2)).toBe(100);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (q, cents) => {
          const price = parseScaled(formatAmount(cents, 2)) as bigint;
          expect(lineAmount(BigInt(q) * 1_000_000n, price, 2)).toBe(q * cents);
        },
      ),
    );
  });
});

describe('Percent discounts', () => {
  it('round once: 0.5 % of 10.99 is 0.05 (5.495 cents, half up is 5), so the total is 10.94', () => {
    const body = structuredClone(pushExample) as Record<string, unknown> & typeof pushExample;
    body.lines = [
      {
        lineId: 'l',
        itemName: 'Part',
        quantity: '1',
        unitPrice: '10.99',
        amount: '10.99',
        taxable: false,
      } as never,
    ];
    (body as Record<string, unknown>).discount = { percent: '0.5' };
    body.totals = { subtotal: '10.99', tax: '0.00', total: '10.94' };
    expect(check(body)).toMatchObject({ discountAmount: 5, total: 1094 });
  });
});
