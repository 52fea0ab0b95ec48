import { rateText, sameRate } from './exchange-rate.ts';
import type { InvoiceSnapshot } from './invoice.ts';
import { formatAmount, fromQboNumber } from './money.ts';
import type { DiffEntry } from './sync-error.ts';

/** The QBO invoice fields the drift check compares. */
export interface QboInvoiceContent {
  readonly DocNumber?: string;
  readonly TxnDate?: string;
  readonly DueDate?: string;
  readonly TotalAmt: number;
  readonly ExchangeRate?: number;
  readonly CustomerRef?: { readonly value: string };
  readonly CustomerMemo?: { readonly value?: string };
  readonly TxnTaxDetail?: { readonly TotalTax?: number };
  readonly Line?: readonly Record<string, unknown>[];
}

/** The QBO ids TradelyHQ's invoice should point at. */
export interface ExpectedRefs {
  readonly customerId: string | undefined;
  /** QBO Item Id per snapshot line, in order (undefined when not mirrored yet). */
  readonly itemIds: readonly (string | undefined)[];
  /**
   * The number QBO should show, when it is not TradelyHQ's: the one QBO gave the invoice in a
   * company that numbers invoices itself (custom transaction numbers off).
   */
  readonly docNumber?: string;
  /** The ExchangeRate the push sent (a decimal string), when it sent one. */
  readonly exchangeRate?: string;
}

interface SalesLine {
  readonly Amount?: number;
  readonly Description?: string;
  readonly SalesItemLineDetail?: {
    readonly ItemRef?: { readonly value?: string };
    readonly Qty?: number;
    readonly UnitPrice?: number;
  };
}

/**
 * Every field where QBO's invoice differs from what TradelyHQ pushed: doc number, dates, customer,
 * memo, tax, total, exchange rate (when one was sent), and each line's item, description, quantity, unit price and amount. Values are
 * shown as text, money with the currency's digits.
 *
 * @param snapshot - what TradelyHQ pushed
 * @param qbo - QBO's invoice now
 * @param refs - the Customer and Items TradelyHQ's invoice should use
 */
export function invoiceDrift(
  snapshot: InvoiceSnapshot,
  qbo: QboInvoiceContent,
  refs: ExpectedRefs,
): DiffEntry[] {
  const diff: DiffEntry[] = [];
  const money = (minor: number) => formatAmount(minor, snapshot.digits);
  const fromQbo = (n: number | undefined) => money(fromQboNumber(n ?? 0, snapshot.digits));
  const compare = (field: string, ours: string | null, theirs: string | null) => {
    if ((ours ?? '') !== (theirs ?? '')) diff.push({ field, tradelyhq: ours, quickbooks: theirs });
  };
  compare('docNumber', refs.docNumber ?? snapshot.docNumber, qbo.DocNumber ?? null);
  compare('issueDate', snapshot.issueDate, qbo.TxnDate ?? null);
  // Without a due date of ours, QBO fills one in from its terms: that is not a disagreement.
  if (snapshot.dueDate) compare('dueDate', snapshot.dueDate, qbo.DueDate ?? null);
  if (refs.customerId) compare('customer', refs.customerId, qbo.CustomerRef?.value ?? null);
  compare('memo', snapshot.memo, qbo.CustomerMemo?.value ?? null);
  if (snapshot.tax > 0 || (qbo.TxnTaxDetail?.TotalTax ?? 0) > 0) {
    compare('tax', money(snapshot.tax), fromQbo(qbo.TxnTaxDetail?.TotalTax));
  }
  compare('total', money(snapshot.total), fromQbo(qbo.TotalAmt));
  // Compared as numbers (QBO answers 1.09 for "1.0900"), shown as QBO holds it.
  if (refs.exchangeRate && !sameRate(refs.exchangeRate, qbo.ExchangeRate)) {
    const theirs = qbo.ExchangeRate === undefined ? null : rateText(qbo.ExchangeRate);
    diff.push({ field: 'exchangeRate', tradelyhq: refs.exchangeRate, quickbooks: theirs });
  }

  const lines = (qbo.Line ?? []).filter(
    (l) => l.DetailType === 'SalesItemLineDetail',
  ) as SalesLine[];
  const count = Math.max(lines.length, snapshot.lines.length);
  for (let i = 0; i < count; i++) {
    const ours = snapshot.lines[i];
    const theirs = lines[i];
    const at = `lines.${i}`;
    if (!ours || !theirs) {
      compare(at, ours ? ours.itemName : null, theirs ? (theirs.Description ?? 'line') : null);
      continue;
    }
    const detail = theirs.SalesItemLineDetail;
    const itemId = refs.itemIds[i];
    if (itemId) compare(`${at}.item`, itemId, detail?.ItemRef?.value ?? null);
    compare(`${at}.description`, ours.description, theirs.Description ?? null);
    compare(`${at}.quantity`, ours.quantity, detail?.Qty === undefined ? null : String(detail.Qty));
    compare(
      `${at}.unitPrice`,
      ours.unitPrice,
      detail?.UnitPrice === undefined ? null : String(detail.UnitPrice),
    );
    compare(`${at}.amount`, money(ours.amount), fromQbo(theirs.Amount));
  }
  return diff;
}
