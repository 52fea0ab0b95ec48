import type { InvoiceStatus } from './invoice-status.ts';

/** What QBO's ledger says about an invoice. */
export interface LedgerView {
  /** TotalAmt in minor units. */
  readonly total: number;
  /** Balance in minor units. */
  readonly balance: number;
  /** The invoice has a linked Payment (or credit) in QBO. */
  readonly hasPayment: boolean;
  /** QBO voided it. */
  readonly voided: boolean;
}

/**
 * The payment status QBO implies. A voided invoice also has Balance 0, but TotalAmt 0 and no
 * payment, so "paid" needs Balance 0, TotalAmt > 0 and a linked payment. QBO's amounts look the
 * same for a void and for an invoice that was zero from the start (a warranty call-out), so only
 * an invoice TradelyHQ sent with a non-zero total can read as voided.
 *
 * @param ledger - QBO's view of the invoice
 * @param ownTotal - TradelyHQ's total of the revision QBO has, in minor units
 * @returns `voided`, `paid`, `partially_paid`, or `pushed` (open, nothing paid)
 */
export function paymentStatus(ledger: LedgerView, ownTotal: number): InvoiceStatus {
  if (ledger.voided && ownTotal !== 0) return 'voided';
  if (ledger.total > 0 && ledger.balance === 0 && ledger.hasPayment) return 'paid';
  if (ledger.hasPayment && ledger.balance > 0 && ledger.balance < ledger.total) {
    return 'partially_paid';
  }
  return 'pushed';
}
