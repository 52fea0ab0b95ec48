import type { InvoiceSnapshot } from '#shared/domain/invoice.ts';
import { fromQboNumber, toQboNumber } from '#shared/domain/money.ts';
import type { LedgerView } from '#shared/domain/payment-state.ts';
import { itemKey } from './names.ts';
import type { TaxPlan } from './qbo-tax.ts';

/** The parts of a QBO Invoice this stack reads. */
export interface QboInvoice {
  readonly Id: string;
  readonly SyncToken: string;
  readonly DocNumber?: string;
  readonly TxnDate?: string;
  readonly DueDate?: string;
  readonly TotalAmt: number;
  readonly Balance: number;
  /** Home-currency units per one unit of the invoice's currency (multicurrency companies). */
  readonly ExchangeRate?: number;
  readonly PrivateNote?: string;
  readonly CustomerRef?: { readonly value: string; readonly name?: string };
  readonly LinkedTxn?: readonly { readonly TxnId: string; readonly TxnType: string }[];
  readonly Line?: readonly Record<string, unknown>[];
  readonly TxnTaxDetail?: { readonly TotalTax?: number };
  readonly CustomerMemo?: { readonly value?: string };
}

/**
 * The marker in PrivateNote that names the TradelyHQ invoice, so a lookup by DocNumber can tell
 * our invoice from a hand-made one with the same number.
 *
 * @param invoiceId - TradelyHQ's invoice id
 */
export const privateNoteMarker = (invoiceId: string): string => `[TradelyHQ invoice ${invoiceId}]`;

/**
 * TradelyHQ's invoice as a QBO Invoice body (for create, or a full update with Id and SyncToken):
 * one SalesItemLineDetail line per TradelyHQ line (item, quantity, unit price, tax code), a
 * DiscountLineDetail line for a discount, and the tax total when there is one.
 *
 * @param invoiceId - TradelyHQ's invoice id
 * @param snapshot - the revision to push
 * @param refs - the QBO Customer and Items it uses (items by {@link itemKey})
 * @param tax - each line's tax code and the invoice's tax fields (see `qbo-tax.ts`)
 */
export function toQboInvoiceBody(
  invoiceId: string,
  snapshot: InvoiceSnapshot,
  refs: { customerId: string; itemIds: ReadonlyMap<string, string> },
  tax: TaxPlan,
): Record<string, unknown> {
  const money = (minor: number) => toQboNumber(minor, snapshot.digits);
  const lines: Record<string, unknown>[] = snapshot.lines.map((line, i) => ({
    DetailType: 'SalesItemLineDetail',
    Amount: money(line.amount),
    ...(line.description ? { Description: line.description } : {}),
    SalesItemLineDetail: {
      ItemRef: { value: refs.itemIds.get(itemKey(line)) },
      Qty: Number(line.quantity),
      UnitPrice: Number(line.unitPrice),
      ...(tax.lineCodes ? { TaxCodeRef: { value: tax.lineCodes[i] } } : {}),
      ...(line.serviceDate ? { ServiceDate: line.serviceDate } : {}),
    },
  }));
  const { discount } = snapshot;
  if (discount) {
    lines.push({
      DetailType: 'DiscountLineDetail',
      Amount: money(snapshot.discountAmount),
      DiscountLineDetail:
        'percent' in discount
          ? { PercentBased: true, DiscountPercent: Number(discount.percent) }
          : { PercentBased: false },
    });
  }
  return {
    DocNumber: snapshot.docNumber,
    TxnDate: snapshot.issueDate,
    ...(snapshot.dueDate ? { DueDate: snapshot.dueDate } : {}),
    CustomerRef: { value: refs.customerId },
    ...(snapshot.client.email ? { BillEmail: { Address: snapshot.client.email } } : {}),
    ...(snapshot.memo ? { CustomerMemo: { value: snapshot.memo } } : {}),
    PrivateNote: `${privateNoteMarker(invoiceId)} revision ${snapshot.revision}`,
    Line: lines,
    ...tax.header,
  };
}

/**
 * QBO's ledger view of an invoice, in minor units.
 *
 * @param invoice - the QBO invoice
 * @param digits - the currency's minor-unit digits
 */
export function ledgerOf(invoice: QboInvoice, digits: number): LedgerView {
  const total = fromQboNumber(invoice.TotalAmt, digits);
  return {
    total,
    balance: fromQboNumber(invoice.Balance, digits),
    hasPayment: (invoice.LinkedTxn ?? []).some(
      (t) => t.TxnType === 'Payment' || t.TxnType === 'CreditMemo',
    ),
    voided: isVoided(invoice),
  };
}

/**
 * Whether QBO voided the invoice, from QBO's own amounts: a void zeroes `TotalAmt`, `Balance`
 * and every sales line's `Amount` (qbo_api `void/invoice.yml`). What a void does to an existing
 * `PrivateNote` is not known, so the note (ours or "Voided") is never relied on. An invoice
 * whose lines were zero from the start reads as voided too; nothing is owed on either.
 *
 * @param invoice - the QBO invoice
 */
function isVoided(invoice: QboInvoice): boolean {
  const sales = (invoice.Line ?? []).filter((l) => l.DetailType === 'SalesItemLineDetail');
  return (
    invoice.TotalAmt === 0 &&
    invoice.Balance === 0 &&
    sales.length > 0 &&
    sales.every((l) => Number(l.Amount ?? 0) === 0)
  );
}
