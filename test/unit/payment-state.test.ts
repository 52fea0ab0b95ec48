import { describe, expect, it } from 'vitest';
import { paymentStatus } from '#shared/domain/payment-state.ts';

const ledger = (total: number, balance: number, hasPayment: boolean, voided = false) => ({
  total,
  balance,
  hasPayment,
  voided,
});

describe('Function: paymentStatus', () => {
  it('reads paid, partly paid, open and voided from QBO amounts', () => {
    expect(paymentStatus(ledger(93_400, 0, true), 93_400)).toBe('paid');
    expect(paymentStatus(ledger(93_400, 40_000, true), 93_400)).toBe('partially_paid');
    expect(paymentStatus(ledger(93_400, 93_400, false), 93_400)).toBe('pushed');
    expect(paymentStatus(ledger(0, 0, false, true), 93_400)).toBe('voided');
  });

  it('never calls an invoice that was zero from the start voided: it is open, owing nothing', () => {
    expect(paymentStatus(ledger(0, 0, false, true), 0)).toBe('pushed');
  });
});
