import type { Connection } from '#shared/domain/connection.ts';
import { PushRefusal } from '#shared/domain/push-refusal.ts';
import { NotConnectedError } from '#shared/oauth/errors.ts';
import { logger } from '#shared/observability/logger.ts';
import type { PushMessage } from '#shared/ports/push-queue.ts';
import { QBO_FAULT, QboError } from '#shared/qbo/faults.ts';
import { withCompanySettings } from '#shared/qbo/invoice-settings.ts';
import {
  createInvoice,
  findOursByNote,
  findOursByNumber,
  updateInvoice,
} from '#shared/qbo/invoice-writes.ts';
import { type QboNameRecord, unusableNameNotice } from '#shared/qbo/names.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import { type QboInvoice, toQboInvoiceBody } from '#shared/qbo/qbo-invoice.ts';
import { planTax } from '#shared/qbo/qbo-tax.ts';
import { readOrGone } from '#shared/qbo/query.ts';
import type { InvoiceRecord } from '#shared/store/invoice-repository.ts';
import { ReadAhead } from '#shared/store/read-ahead.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';
import { ensureCustomer, ensureItems, type MirrorContext, mappingRefs } from './mirror.ts';
import { pushBacklog } from './push-backlog.ts';
import { DONE, type PushOutcome, pushFailed } from './push-failure.ts';
import { duplicateNumberRefusal, exchangeRateFor, pushSettings } from './push-settings.ts';
import { createRequestId, isRefusal, recordPushed, save } from './push-steps.ts';

export type { PushOutcome };

/** When a push looks for a backlog to batch with. */
export interface BatchingOptions {
  /** Other first creates waiting in the message group that make a batch worth sending (0: never). */
  readonly minBacklog: number;
  /** How long the message waited in the queue. */
  readonly queuedMs: number;
}

/** A message queued at least this long looks for a backlog. */
const BACKLOG_AFTER_MS = 2_000;

/**
 * The push worker: brings QBO up to the invoice revision in a queue message, exactly once.
 *
 * - Follows the company's settings (docs/currency-and-numbering.md): an invoice in a currency the
 *   company cannot hold is refused before anything is created; with custom numbers off QBO numbers
 *   the invoice; a duplicate number (6140) opens `duplicate_doc_number` naming the holder.
 * - Plans the invoice's tax for the company (`qbo-tax.ts`, docs/company-profiles.md); a push QBO
 *   would book with another tax is refused ({@link PushRefusal}) before anything is created.
 * - Sends a foreign-currency invoice with its exchange rate, TradelyHQ's or QBO's own for the
 *   invoice date; none found, or a rate on a home-currency invoice, is refused before anything is
 *   created (`exchangeRateFor`).
 * - Mirrors the client and the items first (see `mirror.ts`).
 * - Creates with a `requestid` derived from tenant, invoice, revision and the creates QBO refused
 *   so far (QBO replays a refusal to a repeated requestid), and notes the create as pending before
 *   sending it, so after any lost answer the next attempt looks the invoice up by DocNumber before
 *   it creates again under the same id.
 * - A customer or item QBO refuses as inactive, merged away or a Category (2500 / 610) is
 *   replaced (linked, or created under the plain name QBO freed by renaming it "Name (deleted)")
 *   and the invoice pushed again in the same attempt, with a notice saying so.
 * - Updates a pushed invoice with its SyncToken; a stale token is re-read and retried.
 * - Reads back QBO's TotalAmt and ExchangeRate; a difference from TradelyHQ's total opens
 *   `total_mismatch`, from the rate sent `drift`.
 * - Validation faults open a sync error at once (no retry); 401 after a refresh and `invalid_grant`
 *   park the push until the tenant reconnects; so does 6190 (the company's subscription lapsed),
 *   which raises the connection's reconnect banner instead of an error per invoice; 429 waits 60 s for that company; everything else is
 *   retried with backoff, and the last attempt opens `push_failed` before the message goes to the
 *   dead-letter queue.
 * - A first create whose message group has a backlog goes out in one batch request with the
 *   backlog's (see `push-backlog.ts`).
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param message - which revision of which invoice
 * @param attempt - the message's receive count (1 on first delivery)
 * @param lastAttempt - whether a failure now sends the message to the dead-letter queue
 * @param batching - see {@link BatchingOptions}
 */
export async function pushInvoice(
  deps: InvoiceSyncDeps,
  message: PushMessage,
  attempt: number,
  lastAttempt: boolean,
  batching: BatchingOptions = { minBacklog: 0, queuedMs: 0 },
): Promise<PushOutcome> {
  const { tenantId, invoiceId } = message;
  // The invoice, the connection and the invoice's sync error (closed after the push) in one read.
  const ahead = await ReadAhead.of([
    deps.invoices.ref(tenantId, invoiceId),
    deps.connections.ref(tenantId),
    deps.syncErrors.ref(tenantId, invoiceId),
  ]);
  const record = await deps.invoices.get(tenantId, invoiceId, ahead);
  // A newer revision has its own message; a revision QBO already has needs nothing.
  if (!record || record.revision !== message.revision) return DONE;
  if (record.pushedRevision !== null && record.pushedRevision >= message.revision) return DONE;
  const startedAt = deps.clock.now();
  try {
    const connection = await deps.connections.get(tenantId, ahead);
    if (connection?.status !== 'connected') throw new NotConnectedError();
    // A message that waited a while is likely part of a backlog; one on an idle stack spends no
    // request on looking.
    const minBacklog = batching.queuedMs >= BACKLOG_AFTER_MS ? batching.minBacklog : 0;
    const backlog = await pushBacklog(deps, record, connection, ahead, minBacklog);
    if (backlog.batched) return DONE;
    return await push(deps, backlog.record, connection, ahead);
  } catch (err) {
    return pushFailed(deps, message, err, { attempt, lastAttempt, startedAt });
  }
}

/**
 * One push of the record to the connected company. `ahead`: the sync error read with the record. `healing`:
 * this pass follows one whose customer or item QBO refused as inactive; it does not heal again.
 */
async function push(
  deps: InvoiceSyncDeps,
  record: InvoiceRecord,
  connection: Connection,
  ahead: ReadAhead,
  healing = false,
): Promise<PushOutcome> {
  const { tenantId, invoiceId, snapshot } = record;
  const realmId = connection.realmId;
  const qbo = deps.qbo(tenantId);
  // Refuses, before anything is created in QBO, an invoice the company cannot hold.
  const company = await pushSettings(deps, connection, qbo, snapshot.currency);
  // Refused here, a push whose tax QBO would book differently creates nothing in QBO.
  const tax = await planTax(qbo, { company, taxCodeMap: connection.taxCodeMap }, snapshot);
  // A foreign-currency invoice goes with a rate, never QBO's silent 1 (refused when none is found).
  const exchangeRate = await exchangeRateFor(qbo, realmId, company, snapshot);
  // Pushed to another company before a company switch: this company gets its own copy.
  const sameCompany = record.realmId === realmId;
  const known = sameCompany ? record.qboInvoiceId : null;
  // A re-created invoice (after a delete in QBO), and the create after a refused one, need a
  // requestid of their own: QBO answers a repeated requestid with its first answer, refusals too.
  const pendingCreate = known ? null : createRequestId(record, realmId);
  let current = await save(deps, record, {
    status: 'pushing',
    realmId,
    ...(sameCompany ? {} : { qboInvoiceId: null, syncToken: null, pushedRevision: null }),
    // Noted before the create is sent: if its answer is lost, the next attempt looks first.
    pendingCreate: pendingCreate ?? record.pendingCreate,
  });

  const mirror: MirrorContext = {
    mappings: deps.mappings,
    qbo,
    tenantId,
    realmId,
    incomeAccountId: connection.incomeAccountId,
    ...(company?.multiCurrency ? { currency: snapshot.currency } : {}),
    // The customer's and the items' mappings in one read.
    ahead: await ReadAhead.of(mappingRefs(deps.mappings, tenantId, realmId, snapshot)),
  };
  const customer = await ensureCustomer(mirror, snapshot.client);
  const itemIds = await ensureItems(mirror, snapshot.lines);
  const body = withCompanySettings(
    toQboInvoiceBody(invoiceId, snapshot, { customerId: customer.qboId, itemIds }, tax),
    company,
    {
      currency: snapshot.currency,
      qboDocNumber: known ? current.qboDocNumber : null,
      exchangeRate,
    },
  );

  let existing = known ? { Id: known, SyncToken: current.syncToken ?? '0' } : undefined;
  if (!existing && record.pendingCreate && sameCompany) {
    existing =
      company?.customTxnNumbers === false
        ? await findOursByNote(qbo, invoiceId, customer.qboId, snapshot.issueDate)
        : await findOursByNumber(qbo, invoiceId, snapshot.docNumber, customer.qboId);
  }
  // QBO's answer shows the invoice as it is once this request is sent (see apply-qbo-change.ts).
  const sentAt = deps.clock.now();
  let saved: QboInvoice;
  try {
    saved = existing
      ? await updateInvoice(qbo, existing, body)
      : await createInvoice(qbo, body, pendingCreate as string);
  } catch (err) {
    if (!existing && isRefusal(err)) {
      // A refusal proves that nothing was created under this requestid: the next create, after
      // the fix, gets a new one, and nothing needs looking up first.
      current = await save(deps, current, {
        pendingCreate: null,
        refusedCreates: (current.refusedCreates ?? 0) + 1,
      });
    }
    if (err instanceof QboError && err.faultCode === QBO_FAULT.duplicateDocNumber) {
      throw await duplicateNumberRefusal(qbo, snapshot.docNumber, err.faults[0]?.detail);
    }
    if (!healing && isInactiveReference(err)) {
      const refs = { customerId: customer.qboId, itemIds };
      const retired = await retireRefusedNames(deps, mirror, snapshot, refs);
      if (retired.length > 0) {
        // Linked or re-created in the next pass; this is the same attempt, pushed again. The
        // sync view says which names were replaced, and why.
        const notices = [...new Set([...current.notices, ...retired])];
        current = await save(deps, current, { notices });
        return push(deps, current, connection, ReadAhead.none, true);
      }
    }
    throw err;
  }

  await recordPushed(deps, {
    record,
    current,
    realmId,
    saved,
    customer,
    itemIds,
    sentAt,
    updated: existing !== undefined,
    ahead,
    company,
    exchangeRate,
  });
  return DONE;
}

/**
 * QBO refuses a customer or item that was made inactive, merged away or is a Category with 2500
 * "Invalid Reference Id" or 610 "Object Not Found" (Intuit lists both for "made inactive").
 */
function isInactiveReference(err: unknown): boolean {
  const inactive = [QBO_FAULT.invalidReference, QBO_FAULT.objectNotFound] as const;
  if (!(err instanceof QboError) || !inactive.some((code) => err.faultCode === code)) {
    return false;
  }
  // QBO often names no element; one that names another field (a tax code) is not a name.
  const element = err.faults[0]?.element;
  return !element || /^(CustomerRef|ItemRef)/.test(element);
}

/**
 * After QBO refused a reference: reads the invoice's customer and items and marks the mappings of
 * those that are gone, inactive or a Category stale, so the next pass links or creates
 * replacements. A notice for each one retired (none: nothing was).
 */
async function retireRefusedNames(
  deps: InvoiceSyncDeps,
  ctx: MirrorContext,
  snapshot: InvoiceRecord['snapshot'],
  refs: { readonly customerId: string; readonly itemIds: ReadonlyMap<string, string> },
): Promise<string[]> {
  const { tenantId, realmId } = ctx;
  const notices: string[] = [];
  const customer = unusableNameNotice(
    'Customer',
    refs.customerId,
    await readName(ctx.qbo, 'Customer', refs.customerId),
  );
  if (customer) {
    await deps.mappings.markStale(
      tenantId,
      'CUSTOMERMAP',
      realmId,
      snapshot.client.id,
      refs.customerId,
    );
    notices.push(customer);
  }
  for (const [key, itemId] of refs.itemIds) {
    const item = unusableNameNotice('Item', itemId, await readName(ctx.qbo, 'Item', itemId));
    if (!item) continue;
    await deps.mappings.markStale(tenantId, 'ITEMMAP', realmId, key, itemId);
    notices.push(item);
  }
  if (notices.length > 0) {
    logger.info('QuickBooks refused a customer or item; replacing it', { tenantId, realmId });
  }
  return notices;
}

/** A customer or item as QBO has it now; `undefined` when it is gone. */
async function readName(
  qbo: QboClient,
  entity: 'Customer' | 'Item',
  id: string,
): Promise<QboNameRecord | undefined> {
  const path = `${entity.toLowerCase()}/${id}`;
  return (await readOrGone<Record<string, QboNameRecord>>(qbo, path))?.[entity];
}
