/**
 * The steps a single push (`push-invoice.ts`) and a batch of creates (`push-backlog.ts`) share:
 * the record's writes, the create's requestid, and what follows a revision QBO now has.
 */
import type { CompanyProfile } from '#shared/domain/company.ts';
import { rateText, sameRate } from '#shared/domain/exchange-rate.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import { formatAmount } from '#shared/domain/money.ts';
import { type LedgerView, paymentStatus } from '#shared/domain/payment-state.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { EventDraft } from '#shared/ports/event-publisher.ts';
import { QboError } from '#shared/qbo/faults.ts';
import { itemKey, shortenedNotices } from '#shared/qbo/names.ts';
import { ledgerOf, type QboInvoice } from '#shared/qbo/qbo-invoice.ts';
import { requestId } from '#shared/qbo/request-id.ts';
import type { InvoiceChanges } from '#shared/store/invoice-repository.ts';
import type { ReadAhead } from '#shared/store/read-ahead.ts';
import { CONFLICT, retryOnConflict } from '#shared/store/retry-on-conflict.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';

/**
 * The requestid of an invoice's create: from tenant, company, invoice, revision, re-creations and
 * the creates QBO refused so far (QBO answers a repeated requestid with its first answer, refusals
 * too, so the create after a fix needs a new one).
 *
 * @param record - the invoice
 * @param realmId - the company it is created in
 */
export function createRequestId(record: InvoiceRecord, realmId: string): string {
  const { tenantId, invoiceId, revision } = record;
  return requestId(
    ...[tenantId, realmId, 'invoice', invoiceId, revision, record.recreations ?? 0],
    ...(record.refusedCreates ? [record.refusedCreates] : []),
  );
}

/**
 * A definite "no" from QBO to a write (a fault it would answer the same way again).
 *
 * @param err - what the write threw
 */
export function isRefusal(err: unknown): boolean {
  return (
    err instanceof QboError &&
    !err.ambiguous &&
    (err.failure === 'validation' || err.failure === 'not_found' || err.failure === 'forbidden')
  );
}

/**
 * Applies changes over the latest record, re-reading if someone else wrote meanwhile; the event
 * that reports them, if any, is written in the same transaction (the outbox), so it is never lost
 * between the two.
 *
 * @param deps - the invoices and the clock
 * @param record - the record as last read
 * @param changes - what to change
 * @param note - a note for the status history
 * @param event - the `invoice.*` event about the change
 */
export async function save(
  deps: Pick<InvoiceSyncDeps, 'invoices' | 'clock'>,
  record: InvoiceRecord,
  changes: InvoiceChanges,
  note?: string,
  event?: EventDraft,
): Promise<InvoiceRecord> {
  let last = record;
  return retryOnConflict(deps.invoices, record, record, async (current) => {
    // Gone meanwhile: nothing to write over; the record as last read.
    if (!current) return last;
    last = current;
    return (await deps.invoices.update(current, changes, iso(deps), note, event)) ?? CONFLICT;
  });
}

/**
 * The current time as ISO-8601.
 *
 * @param deps - the clock
 */
export const iso = (deps: { clock: Clock }) => new Date(deps.clock.now()).toISOString();

/** A revision QBO just created or updated, and what it was made from. */
export interface PushedRevision {
  /** The record as the push read it (its revision is the one pushed). */
  readonly record: InvoiceRecord;
  /** The record as last saved. */
  readonly current: InvoiceRecord;
  readonly realmId: string;
  /** QBO's answer. */
  readonly saved: QboInvoice;
  readonly customer: { readonly qboId: string; readonly notice?: string };
  readonly itemIds: ReadonlyMap<string, string>;
  /** When the create or update was sent. */
  readonly sentAt: number;
  /** An update of an invoice QBO had, rather than a create. */
  readonly updated: boolean;
  /** The invoice's sync error read ahead, if it was. */
  readonly ahead: ReadAhead;
  /** The company's settings (numbering), when known. */
  readonly company: CompanyProfile | null;
  /** The ExchangeRate sent (`exchangeRateFor` in push-settings.ts), or `null` when none was. */
  readonly exchangeRate: string | null;
}

/**
 * What follows a revision QBO now has: the link from QBO's id, the record (status from QBO's
 * ledger, the refs and exchange rate the drift check expects), a sync error when QBO's answer
 * differs from what was sent (`total_mismatch`: QBO computed another total; `drift`: it holds
 * another exchange rate), else any open error closed, and `invoice.pushed`.
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param pushed - see {@link PushedRevision}
 */
export async function recordPushed(deps: InvoiceSyncDeps, pushed: PushedRevision): Promise<void> {
  const { record, realmId, saved, customer, itemIds } = pushed;
  const { tenantId, invoiceId, snapshot } = record;
  // Webhooks name QBO ids: remember which TradelyHQ invoice this one is.
  await deps.links.linkInvoice(tenantId, realmId, saved.Id, invoiceId);
  const ledger = ledgerOf(saved, snapshot.digits);
  const notices = [
    ...new Set([
      ...pushed.current.notices,
      ...(customer.notice ? [customer.notice] : []),
      ...shortenedNotices(snapshot),
    ]),
  ];
  // QBO's own number when the company numbers invoices itself.
  const qboDocNumber =
    saved.DocNumber ?? (pushed.company?.customTxnNumbers === false ? null : snapshot.docNumber);
  await save(
    deps,
    pushed.current,
    {
      status: paymentStatus(ledger, snapshot.total),
      qboInvoiceId: saved.Id,
      qboDocNumber,
      syncToken: saved.SyncToken,
      pushedRevision: record.revision,
      balance: ledger.balance,
      qboTotal: ledger.total,
      exchangeRate: pushed.exchangeRate,
      pendingCreate: null,
      parked: false,
      lastError: null,
      notices,
      // What the drift check expects in QBO, without reading the mappings again.
      pushedRefs: {
        customerId: customer.qboId,
        itemIds: snapshot.lines.map((line) => itemIds.get(itemKey(line)) ?? ''),
      },
      qboReadAt: pushed.sentAt,
    },
    pushed.updated ? 'updated in QuickBooks' : 'created in QuickBooks',
    {
      type: 'invoice.pushed',
      detail: {
        qboInvoiceId: saved.Id,
        qboDocNumber,
        revision: record.revision,
        total: formatAmount(ledger.total, snapshot.digits),
        balance: formatAmount(ledger.balance, snapshot.digits),
      },
    },
  );

  const problem = readBackProblem(pushed, ledger);
  if (problem) await deps.syncErrors.open(tenantId, invoiceId, problem, iso(deps));
  else await deps.syncErrors.close(tenantId, invoiceId, undefined, pushed.ahead);
  logger.info('Invoice pushed', { tenantId, invoiceId, realmId, qboInvoiceId: saved.Id });
  publishCounts({ InvoicePushed: 1 }, { tenantId, realmId });
}

/** A sync error as the repository opens it. */
type SyncErrorEntry = Parameters<InvoiceSyncDeps['syncErrors']['open']>[2];

/**
 * What in QBO's answer to a push differs from what was sent: another total (QBO computed it,
 * usually tax settings), or another exchange rate; `null` when QBO holds what was sent.
 */
function readBackProblem(pushed: PushedRevision, ledger: LedgerView): SyncErrorEntry | null {
  const { snapshot } = pushed.record;
  const { digits, currency, docNumber } = snapshot;
  if (ledger.total !== snapshot.total && !ledger.voided) {
    return {
      kind: 'total_mismatch',
      docNumber,
      message:
        `QuickBooks computed a total of ${formatAmount(ledger.total, digits)} ${currency} ` +
        `but TradelyHQ's total is ${formatAmount(snapshot.total, digits)} (usually tax settings).`,
      diff: [
        {
          field: 'total',
          tradelyhq: formatAmount(snapshot.total, digits),
          quickbooks: formatAmount(ledger.total, digits),
        },
      ],
    };
  }
  const sent = pushed.exchangeRate;
  const held = pushed.saved.ExchangeRate;
  if (sent === null || sameRate(sent, held)) return null;
  const theirs = held === undefined ? null : rateText(held);
  return {
    kind: 'drift',
    docNumber,
    message:
      `QuickBooks holds the invoice at an exchange rate of ${theirs ?? 'none'}, not the ` +
      `${sent} it was sent with (exchangeRate).`,
    diff: [{ field: 'exchangeRate', tradelyhq: sent, quickbooks: theirs }],
  };
}
