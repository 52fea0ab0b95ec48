import { type ExpectedRefs, invoiceDrift } from '#shared/domain/drift.ts';
import type { InvoiceRecord } from '#shared/domain/invoice-record.ts';
import type { InvoiceStatus } from '#shared/domain/invoice-status.ts';
import { formatAmount } from '#shared/domain/money.ts';
import { paymentStatus } from '#shared/domain/payment-state.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { ChangeMessage } from '#shared/ports/change-queue.ts';
import type { DomainEventType } from '#shared/ports/event-publisher.ts';
import { itemKey } from '#shared/qbo/names.ts';
import type { QboClient } from '#shared/qbo/qbo-client.ts';
import { ledgerOf, type QboInvoice } from '#shared/qbo/qbo-invoice.ts';
import { readOrGone } from '#shared/qbo/query.ts';
import type { MappingRepository } from '#shared/store/mapping-repository.ts';
import { ReadAhead } from '#shared/store/read-ahead.ts';
import { CONFLICT, retryOnConflict } from '#shared/store/retry-on-conflict.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';

/** Options of {@link applyInvoiceState}, for bulk callers such as the reconcile. */
export interface ApplyOptions {
  /** The record as just read (saves a read); re-read only if it changed meanwhile. */
  readonly record?: InvoiceRecord;
  /** Mapping lookups shared across the invoices of one run. */
  readonly mappingCache?: Map<string, Promise<string | undefined>>;
  /** The invoices with an open sync error, when known: no read to close one that is not open. */
  readonly openErrors?: ReadonlySet<string>;
  /** The invoice's sync error read ahead (with the record). */
  readonly ahead?: ReadAhead;
  /** When (epoch ms) the read of `qboInvoice` was sent, to record it as the record's `qboReadAt`. */
  readonly readAt?: number;
}

const EVENT_OF: Partial<Record<InvoiceStatus, DomainEventType>> = {
  paid: 'invoice.paid',
  partially_paid: 'invoice.partially_paid',
  voided: 'invoice.voided',
  deleted_in_quickbooks: 'invoice.deleted_in_quickbooks',
  pushed: 'invoice.unpaid',
};

interface QboPayment {
  readonly Line?: readonly { readonly LinkedTxn?: readonly { TxnId: string; TxnType: string }[] }[];
}

/**
 * The change worker: a change Intuit notified, applied to the invoices this stack pushed (and a
 * customer or item merge, followed in the mappings). Webhook
 * data is never trusted; QBO is read again (a Payment, then every invoice it is or was applied
 * to; an Invoice, itself), so duplicates and out-of-order deliveries all end in QBO's current
 * state. Invoices this stack did not push are ignored.
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param message - the change
 * @returns how many of our invoices changed status
 */
export async function applyQboChange(
  deps: InvoiceSyncDeps,
  message: ChangeMessage,
): Promise<number> {
  const { tenantId, notice } = message;
  const realmId = notice.realmId;
  const isPayment = notice.entity === 'Payment';
  // The connection and the notice's link (the invoice's, or the payment's) in one read.
  const ahead = await ReadAhead.of([
    deps.connections.ref(tenantId),
    ...(isPayment ? [deps.links.paymentRef(tenantId, realmId, notice.entityId)] : []),
    ...(notice.entity === 'Invoice'
      ? [deps.links.invoiceRef(tenantId, realmId, notice.entityId)]
      : []),
  ]);
  const connection = await deps.connections.get(tenantId, ahead);
  // Not readable now; the catch-up after a reconnect or the nightly reconcile covers it.
  if (connection?.status !== 'connected' || connection.realmId !== realmId) return 0;
  const qbo = deps.qbo(tenantId);
  if (notice.entity === 'Customer' || notice.entity === 'Item') {
    await followMerge(deps, message, qbo);
    return 0;
  }

  let qboInvoiceIds: string[];
  if (isPayment) {
    const payment = await readOrGone<{ Payment: QboPayment }>(qbo, `payment/${notice.entityId}`);
    const linked = (payment?.Payment.Line ?? []).flatMap((l) =>
      (l.LinkedTxn ?? []).filter((t) => t.TxnType === 'Invoice').map((t) => t.TxnId),
    );
    // A deleted or edited payment no longer names the invoices it left: use what we saw before.
    qboInvoiceIds = await deps.links.rememberPayment(
      tenantId,
      realmId,
      notice.entityId,
      linked,
      ahead,
    );
  } else {
    qboInvoiceIds = [notice.entityId];
  }

  let changed = 0;
  for (const qboInvoiceId of qboInvoiceIds) {
    const invoiceId = await deps.links.invoiceOf(tenantId, realmId, qboInvoiceId, ahead);
    if (!invoiceId) continue;
    // The invoice and its sync error in one read.
    const mine = await ReadAhead.of([
      deps.invoices.ref(tenantId, invoiceId),
      deps.syncErrors.ref(tenantId, invoiceId),
    ]);
    const record = await deps.invoices.get(tenantId, invoiceId, mine);
    if (record && reflects(record, message)) continue;
    const readAt = deps.clock.now();
    const current = await readOrGone<{ Invoice: QboInvoice }>(qbo, `invoice/${qboInvoiceId}`);
    const options = { ahead: mine, readAt, ...(record ? { record } : {}) };
    if (await applyInvoiceState(deps, tenantId, invoiceId, current?.Invoice, options)) changed += 1;
  }
  publishCounts({ QboChangesApplied: 1 }, { tenantId, realmId });
  return changed;
}

/**
 * Margin for the clocks of two functions (the webhook receiver's and the change worker's): Lambda
 * hosts keep time with the Amazon Time Sync Service, far closer than this.
 */
const CLOCK_MARGIN_MS = 1000;

/**
 * Whether the record already shows QBO as it was after the notified change: the QBO read last
 * applied to it was sent after the notice reached this stack (so after the change itself), and it
 * holds our latest revision. Then reading QBO again would change nothing.
 */
function reflects(record: InvoiceRecord, message: ChangeMessage): boolean {
  if (message.receivedAt === undefined || record.qboReadAt === undefined) return false;
  if (record.pushedRevision !== record.revision) return false;
  return record.qboReadAt > message.receivedAt + CLOCK_MARGIN_MS;
}

/**
 * A customer or item merged in QBO: every mapping to the merged-away record now names the
 * survivor, so the next push uses it with no admin action (QBO refuses the merged-away one as
 * inactive). The survivor is read for its current name.
 */
async function followMerge(deps: InvoiceSyncDeps, message: ChangeMessage, qbo: QboClient) {
  const { tenantId, notice } = message;
  if (notice.operation !== 'Merge' || !notice.deletedId) return;
  const customer = notice.entity === 'Customer';
  const survivor = await readOrGone<Record<string, { DisplayName?: string; Name?: string }>>(
    qbo,
    `${customer ? 'customer' : 'item'}/${notice.entityId}`,
  );
  const named = survivor?.[notice.entity];
  if (!named) return; // merged away again since: that merge's own notice follows it
  const moved = await deps.mappings.relink(
    tenantId,
    customer ? 'CUSTOMERMAP' : 'ITEMMAP',
    notice.realmId,
    notice.deletedId,
    { qboId: notice.entityId, qboName: (customer ? named.DisplayName : named.Name) ?? '' },
  );
  logger.info('Followed a merge in QuickBooks', {
    tenantId,
    realmId: notice.realmId,
    entity: notice.entity,
    mappingsMoved: moved,
  });
}

/**
 * Brings one of our invoices to QBO's state: payment status and balance (QBO is the ledger),
 * `deleted_in_quickbooks` when it is gone, and a drift sync error when someone hand-edited what
 * TradelyHQ sent (closed again once the two agree). A real change writes its event with it.
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param tenantId - the tenant
 * @param invoiceId - TradelyHQ's invoice id
 * @param qboInvoice - QBO's invoice now, or `undefined` when it was deleted
 * @returns whether the status changed
 */
export async function applyInvoiceState(
  deps: InvoiceSyncDeps,
  tenantId: string,
  invoiceId: string,
  qboInvoice: QboInvoice | undefined,
  options: ApplyOptions = {},
): Promise<boolean> {
  const key = { tenantId, invoiceId };
  return retryOnConflict(deps.invoices, key, options.record, async (record) => {
    // Not ours, or QBO does not have our latest revision yet (queued, pushing, failed): the push
    // records QBO's state itself once it lands.
    if (!record?.qboInvoiceId || record.pushedRevision !== record.revision) return false;
    if (record.status === 'pushing' || record.status === 'queued') return false;
    if (qboInvoice && qboInvoice.Id !== record.qboInvoiceId) return false;
    // An older read of QBO (a reconcile page read a while ago) never overwrites a newer one:
    // every change to an invoice, a payment included, raises its SyncToken.
    if (qboInvoice && Number(qboInvoice.SyncToken) < Number(record.syncToken ?? -1)) return false;
    const { snapshot } = record;
    const ledger = qboInvoice ? ledgerOf(qboInvoice, snapshot.digits) : undefined;
    const status: InvoiceStatus = ledger
      ? paymentStatus(ledger, snapshot.total)
      : 'deleted_in_quickbooks';
    const now = new Date(deps.clock.now()).toISOString();
    const changes = {
      status,
      ...(ledger ? { balance: ledger.balance, qboTotal: ledger.total } : {}),
      ...(qboInvoice ? { syncToken: qboInvoice.SyncToken } : {}),
    };
    const unchanged = Object.entries(changes).every(
      ([k, v]) => record[k as keyof typeof changes] === v,
    );
    // Nothing to write is the common case of a nightly reconcile: no write at all.
    const readAt = options.readAt === undefined ? {} : { qboReadAt: options.readAt };
    const type = status === record.status ? undefined : EVENT_OF[status];
    const event = type && {
      type,
      detail: ledger
        ? {
            balance: formatAmount(ledger.balance, snapshot.digits),
            qboInvoiceId: record.qboInvoiceId,
          }
        : { qboInvoiceId: record.qboInvoiceId },
    };
    // The event is written with the change (the outbox), so a retry that finds the change made
    // has nothing left to publish.
    const saved = unchanged
      ? record
      : await deps.invoices.update(
          record,
          { ...changes, ...readAt },
          now,
          'seen in QuickBooks',
          event,
        );
    if (!saved) return CONFLICT; // changed meanwhile: read again
    await recordDrift(deps, saved, qboInvoice, now, options);
    if (status === record.status) return false;
    publishCounts({ InvoiceStatusChanged: 1 }, { tenantId: record.tenantId });
    return true;
  });
}

async function recordDrift(
  deps: InvoiceSyncDeps,
  record: InvoiceRecord,
  qboInvoice: QboInvoice | undefined,
  now: string,
  options: ApplyOptions,
): Promise<void> {
  const { tenantId, invoiceId, snapshot } = record;
  const docNumber = snapshot.docNumber;
  if (!qboInvoice) {
    await deps.syncErrors.open(
      tenantId,
      invoiceId,
      {
        kind: 'deleted_in_quickbooks',
        docNumber,
        message: 'The invoice was deleted in QuickBooks. Re-sync to create it again.',
      },
      now,
    );
    return;
  }
  if (record.status === 'voided' || record.pushedRevision !== record.revision) return;
  const diff = invoiceDrift(
    snapshot,
    qboInvoice,
    sameRefs(record.pushedRefs, qboInvoice)
      ? { ...(record.pushedRefs as ExpectedRefs), ...pushedValues(record) }
      : await expectedRefs(deps, record, options.mappingCache),
  );
  if (diff.length === 0) {
    if (!options.openErrors || options.openErrors.has(invoiceId)) {
      const kinds = ['drift', 'deleted_in_quickbooks'] as const;
      await deps.syncErrors.close(tenantId, invoiceId, kinds, options.ahead);
    }
    return;
  }
  // Only the tax and total differ: QBO computed them (tax settings), nobody edited the invoice.
  const computed = diff.every((d) => d.field === 'tax' || d.field === 'total');
  await deps.syncErrors.open(
    tenantId,
    invoiceId,
    {
      kind: computed ? 'total_mismatch' : 'drift',
      docNumber,
      message: computed
        ? 'QuickBooks computed a different total (usually tax settings).'
        : `The invoice was changed in QuickBooks (${diff.map((d) => d.field).join(', ')}).`,
      diff,
    },
    now,
  );
}

/**
 * Whether QBO's invoice still names the customer and items the push sent: then those are what it
 * should name, and no mapping needs reading. Otherwise (an edit, or a merge that re-linked a
 * mapping) the mappings say.
 */
function sameRefs(pushed: InvoiceRecord['pushedRefs'], qbo: QboInvoice): boolean {
  if (!pushed || pushed.customerId !== qbo.CustomerRef?.value) return false;
  const lines = (qbo.Line ?? []).filter((l) => l.DetailType === 'SalesItemLineDetail') as {
    readonly SalesItemLineDetail?: { readonly ItemRef?: { readonly value?: string } };
  }[];
  return pushed.itemIds.every(
    (id, i) => id !== '' && lines[i]?.SalesItemLineDetail?.ItemRef?.value === id,
  );
}

/**
 * The QBO Customer and Items TradelyHQ's invoice should use, from the mappings.
 *
 * @param deps - the mappings
 * @param record - the invoice
 * @param cache - lookups shared by the invoices of one run
 */
export async function expectedRefs(
  deps: { readonly mappings: MappingRepository },
  record: InvoiceRecord,
  cache = new Map<string, Promise<string | undefined>>(),
): Promise<ExpectedRefs> {
  const realmId = record.realmId ?? '';
  const lookup = (kind: 'CUSTOMERMAP' | 'ITEMMAP', key: string) => {
    const cacheKey = `${kind}#${realmId}#${key}`;
    let found = cache.get(cacheKey);
    if (!found) {
      found = deps.mappings.get(record.tenantId, kind, realmId, key).then((m) => m?.qboId);
      cache.set(cacheKey, found);
    }
    return found;
  };
  const customerId = await lookup('CUSTOMERMAP', record.snapshot.client.id);
  const itemIds = await Promise.all(
    record.snapshot.lines.map((line) => lookup('ITEMMAP', itemKey(line))),
  );
  return { customerId, itemIds, ...pushedValues(record) };
}

/**
 * What QBO should hold that the push chose rather than TradelyHQ's invoice: QBO's own number when
 * it numbered the invoice (that is not a drift), and the exchange rate sent.
 */
function pushedValues(record: InvoiceRecord): Pick<ExpectedRefs, 'docNumber' | 'exchangeRate'> {
  const { qboDocNumber, exchangeRate } = record;
  return {
    ...(qboDocNumber ? { docNumber: qboDocNumber } : {}),
    ...(exchangeRate ? { exchangeRate } : {}),
  };
}
