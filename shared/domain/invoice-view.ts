import type { InvoiceRecord } from './invoice-record.ts';
import type { HistoryEntry, InvoiceStatus } from './invoice-status.ts';
import { formatAmount } from './money.ts';

/** `GET /invoices/{invoiceId}/sync`: where an invoice stands with QuickBooks. */
export interface InvoiceSyncView {
  readonly invoiceId: string;
  readonly docNumber: string;
  readonly status: InvoiceStatus;
  readonly qboInvoiceId: string | null;
  readonly qboDocNumber: string | null;
  readonly revision: number;
  readonly pushedRevision: number | null;
  readonly total: string;
  readonly balance: string | null;
  readonly currency: string;
  /**
   * The exchange rate QBO holds the invoice at, as the last push sent it (home-currency units per
   * one unit of `currency`, a decimal string); absent for a home-currency invoice and before the
   * first push.
   */
  readonly exchangeRate?: string;
  /** Waiting for QuickBooks to be reconnected. */
  readonly waitingForReconnect: boolean;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly notices: readonly string[];
  readonly updatedAt: string;
  readonly history: readonly HistoryEntry[];
}

/**
 * What the portal and TradelyHQ core see of an invoice's sync; money as decimal strings.
 *
 * @param record - the stored invoice
 */
export function toInvoiceSyncView(record: InvoiceRecord): InvoiceSyncView {
  const { snapshot } = record;
  return {
    invoiceId: record.invoiceId,
    docNumber: snapshot.docNumber,
    status: record.status,
    qboInvoiceId: record.qboInvoiceId,
    qboDocNumber: record.qboDocNumber,
    revision: record.revision,
    pushedRevision: record.pushedRevision,
    total: formatAmount(snapshot.total, snapshot.digits),
    balance: record.balance === null ? null : formatAmount(record.balance, snapshot.digits),
    currency: snapshot.currency,
    ...(record.exchangeRate ? { exchangeRate: record.exchangeRate } : {}),
    waitingForReconnect: record.parked,
    lastError: record.lastError,
    notices: record.notices,
    updatedAt: record.updatedAt,
    history: record.history,
  };
}
