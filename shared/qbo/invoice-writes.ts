/**
 * The QBO invoice calls a push makes: the create (alone, or many in one batch request), the full
 * update, and the look-ups that keep a create from happening twice or name who holds a number.
 * What to send and what a failure means for the invoice are the push's (`push-invoice.ts`,
 * `push-backlog.ts`).
 */
import { classifyResponse, parseFaults, QboError } from './faults.ts';
import type { QboClient } from './qbo-client.ts';
import { privateNoteMarker, type QboInvoice } from './qbo-invoice.ts';
import { quote, readOrGone, rows } from './query.ts';

/** An invoice QBO has, as a full update names it: its id and the SyncToken it was read with. */
export interface InvoiceTarget {
  readonly Id: string;
  readonly SyncToken: string;
}

/**
 * Creates an invoice.
 *
 * @param qbo - a client of the company
 * @param body - the invoice (`toQboInvoiceBody`)
 * @param requestid - QBO answers a repeated one with its first answer, refusals too
 */
export async function createInvoice(
  qbo: QboClient,
  body: Record<string, unknown>,
  requestid: string,
): Promise<QboInvoice> {
  const out = await qbo.send<{ Invoice: QboInvoice }>({
    method: 'POST',
    path: 'invoice',
    query: { requestid },
    body,
  });
  return out.Invoice;
}

/** One invoice of a batch create and what became of it. */
export interface BatchCreated<T> {
  readonly item: T;
  /** QBO's invoice, or the {@link QboError} a create of it alone would have thrown. */
  readonly created: QboInvoice | QboError;
}

/**
 * Creates invoices in one batch request.
 *
 * @param qbo - a client of the company
 * @param items - what to create, in order
 * @param bodyOf - an item's invoice (`toQboInvoiceBody`)
 * @param slotWaitMs - how long to wait for a slot of the company's limits
 * @returns each item with what became of it (one QBO did not answer: an ambiguous error, as
 *   after a lost answer)
 * @throws QboError when the request itself failed (then none, or any, may have been created)
 */
export async function createInvoices<T>(
  qbo: QboClient,
  items: readonly T[],
  bodyOf: (item: T) => Record<string, unknown>,
  slotWaitMs: number,
): Promise<BatchCreated<T>[]> {
  const answer = await qbo.send<{ BatchItemResponse?: Record<string, unknown>[] }>({
    method: 'POST',
    path: 'batch',
    body: {
      BatchItemRequest: items.map((item, i) => ({
        bId: `b${i}`,
        operation: 'create',
        Invoice: bodyOf(item),
      })),
    },
    slotWaitMs,
  });
  const byId = new Map((answer.BatchItemResponse ?? []).map((r) => [String(r.bId), r]));
  return items.map((item, i) => {
    const response = byId.get(`b${i}`);
    const saved = response?.Invoice as QboInvoice | undefined;
    if (saved) return { item, created: saved };
    // No answer for the item: as ambiguous as a lost answer.
    const fault = response ? itemFault(response) : new QboError('transient', 0, [], true);
    return { item, created: fault };
  });
}

/** A batch item's fault as the {@link QboError} a single request with it would have thrown. */
function itemFault(response: Record<string, unknown>): QboError {
  const fault = response.Fault as { type?: string } | undefined;
  const status =
    fault?.type === 'SystemFault'
      ? 500
      : fault?.type === 'AuthenticationFault'
        ? 401
        : fault?.type === 'AuthorizationFault'
          ? 403
          : 400;
  return classifyResponse(status, parseFaults(JSON.stringify({ Fault: fault })), true);
}

/**
 * A full update with the SyncToken; a stale token (5010) is re-read and sent again (twice at most).
 *
 * @param qbo - a client of the company
 * @param target - the invoice QBO has
 * @param body - the invoice (`toQboInvoiceBody`)
 * @throws QboError `not_found` only when the invoice is gone (see {@link notFoundCause})
 */
export async function updateInvoice(
  qbo: QboClient,
  target: InvoiceTarget,
  body: Record<string, unknown>,
): Promise<QboInvoice> {
  let syncToken = target.SyncToken;
  for (let tries = 0; ; tries++) {
    try {
      const out = await qbo.send<{ Invoice: QboInvoice }>({
        method: 'POST',
        path: 'invoice',
        body: { ...body, Id: target.Id, SyncToken: syncToken, sparse: false },
      });
      return out.Invoice;
    } catch (err) {
      if (err instanceof QboError && err.failure === 'not_found')
        throw await notFoundCause(qbo, target.Id, err);
      if (!(err instanceof QboError) || err.failure !== 'stale_object' || tries >= 2) throw err;
      const fresh = await qbo.send<{ Invoice: QboInvoice }>({
        method: 'GET',
        path: `invoice/${target.Id}`,
      });
      syncToken = fresh.Invoice.SyncToken;
    }
  }
}

/**
 * QBO answers "Object Not Found" (610) both for a deleted invoice and for an inactive customer or
 * item it names: only a read of the invoice tells which. Deleted → the error as it is; still there
 * → a validation error an admin can fix (reactivate, or re-map), never "deleted".
 */
async function notFoundCause(qbo: QboClient, invoiceId: string, err: QboError): Promise<QboError> {
  if ((await readOrGone(qbo, `invoice/${invoiceId}`)) === undefined) return err;
  return new QboError('validation', err.status, err.faults, false, err.intuitTid);
}

/**
 * The company's invoices with this number (QBO's DocNumber).
 *
 * @param qbo - a client of the company
 * @param docNumber - the number
 */
export function invoicesNumbered(qbo: QboClient, docNumber: string): Promise<QboInvoice[]> {
  return invoicesWhere(qbo, `DocNumber = ${quote(docNumber)}`);
}

/**
 * After a create whose answer was lost: the invoice QBO may already have, found by DocNumber and
 * told apart from a hand-made namesake by our PrivateNote marker or our customer.
 *
 * @param qbo - a client of the company
 * @param invoiceId - TradelyHQ's invoice id
 * @param docNumber - the number sent
 * @param customerId - the QBO customer
 */
export async function findOursByNumber(
  qbo: QboClient,
  invoiceId: string,
  docNumber: string,
  customerId: string,
): Promise<InvoiceTarget | undefined> {
  const candidates = await invoicesNumbered(qbo, docNumber);
  return (
    candidates.find((i) => (i.PrivateNote ?? '').includes(privateNoteMarker(invoiceId))) ??
    candidates.find((i) => i.CustomerRef?.value === customerId)
  );
}

/**
 * After a create whose answer was lost, in a company that numbers invoices itself (no DocNumber
 * was sent): the invoice QBO may already have, among the customer's invoices of that date, by our
 * PrivateNote marker.
 *
 * @param qbo - a client of the company
 * @param invoiceId - TradelyHQ's invoice id
 * @param customerId - the QBO customer
 * @param txnDate - the invoice's date
 */
export async function findOursByNote(
  qbo: QboClient,
  invoiceId: string,
  customerId: string,
  txnDate: string,
): Promise<InvoiceTarget | undefined> {
  const candidates = await invoicesWhere(
    qbo,
    `CustomerRef = ${quote(customerId)} AND TxnDate = ${quote(txnDate)} MAXRESULTS 1000`,
  );
  return candidates.find((i) => (i.PrivateNote ?? '').includes(privateNoteMarker(invoiceId)));
}

async function invoicesWhere(qbo: QboClient, where: string): Promise<QboInvoice[]> {
  const answer = await qbo.send<{ QueryResponse?: Record<string, unknown> }>({
    method: 'GET',
    path: 'query',
    query: { query: `SELECT * FROM Invoice WHERE ${where}` },
  });
  return rows<QboInvoice>(answer, 'Invoice');
}
