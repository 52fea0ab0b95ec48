/**
 * Where an invoice stands in its sync with QuickBooks:
 *
 * - `queued`: accepted, waiting for the push worker (or for a reconnect).
 * - `pushing`: the worker is creating or updating it in QBO.
 * - `pushed`: QBO has the latest revision.
 * - `failed`: QBO refused it (validation) or every retry failed; a sync error says why.
 * - `paid` / `partially_paid` / `voided` / `deleted_in_quickbooks`: QBO's ledger says so.
 */
export type InvoiceStatus =
  | 'queued'
  | 'pushing'
  | 'pushed'
  | 'failed'
  | 'paid'
  | 'partially_paid'
  | 'voided'
  | 'deleted_in_quickbooks';

/** Every status, for validating filters. */
export const INVOICE_STATUSES: readonly InvoiceStatus[] = [
  'queued',
  'pushing',
  'pushed',
  'failed',
  'paid',
  'partially_paid',
  'voided',
  'deleted_in_quickbooks',
];

/** One entry of an invoice's sync history. */
export interface HistoryEntry {
  /** ISO-8601 instant. */
  readonly at: string;
  readonly status: InvoiceStatus;
  readonly revision: number;
  readonly note?: string;
}

/** How many history entries an invoice keeps (the newest). */
export const HISTORY_LIMIT = 50;
