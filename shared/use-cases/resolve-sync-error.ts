import { ACCEPTABLE_FIELDS, type SyncError } from '#shared/domain/sync-error.ts';
import { AppError } from '#shared/errors.ts';
import type { Clock } from '#shared/ports/clock.ts';
import { type PushQueue, pushOf } from '#shared/ports/push-queue.ts';
import type { InvoiceRepository } from '#shared/store/invoice-repository.ts';
import type { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';

/** What resolving a sync error needs. */
export interface ResolveDeps {
  readonly invoices: InvoiceRepository;
  readonly syncErrors: SyncErrorRepository;
  readonly pushQueue: PushQueue;
  readonly clock: Clock;
}

/** Fields where QBO's value may stand (they do not change what is owed). */

const noSuchError = () =>
  new AppError('not_found', 'sync_error_not_found', 'There is no open sync error with this id.');

async function openError(
  deps: Pick<ResolveDeps, 'syncErrors'>,
  tenantId: string,
  id: string,
): Promise<SyncError> {
  const error = await deps.syncErrors.get(tenantId, id);
  if (error?.state !== 'open') throw noSuchError();
  return error;
}

/**
 * "Re-sync": push TradelyHQ's current version over QBO's, with the push's exactly-once rules: an
 * update with the SyncToken, or a new create (its own requestid) when QBO lost or deleted it. The
 * error closes when the push lands and QBO agrees.
 *
 * @param deps - see {@link ResolveDeps}
 * @param tenantId - the tenant, from the verified JWT
 * @param id - the sync error's id (its invoice id)
 */
export async function resyncInvoice(deps: ResolveDeps, tenantId: string, id: string) {
  const error = await openError(deps, tenantId, id);
  const record = await deps.invoices.get(tenantId, error.invoiceId);
  if (!record) throw noSuchError();
  const gone = error.kind === 'deleted_in_quickbooks' || error.kind === 'missing_in_quickbooks';
  const now = new Date(deps.clock.now()).toISOString();
  const saved = await deps.invoices.update(
    record,
    {
      status: 'queued',
      pushedRevision: null,
      parked: false,
      ...(gone && record.qboInvoiceId
        ? {
            qboInvoiceId: null,
            syncToken: null,
            // Look before creating again: if QBO still has it after all, it is adopted, not doubled.
            pendingCreate: 'lookup-before-recreate',
            recreations: (record.recreations ?? 0) + 1,
          }
        : {}),
    },
    now,
    're-sync requested',
  );
  if (!saved) {
    throw new AppError('conflict', 'invoice_changed', 'The invoice changed meanwhile; try again.');
  }
  await deps.pushQueue.send(pushOf(record), `resync:${deps.clock.now()}`);
  return { status: 'queued' as const, invoiceId: record.invoiceId };
}

/**
 * "Accept QuickBooks' value": for a drift that touches only fields where QBO's value may stand
 * (memo, due date), records who accepted it and when; the same difference is not reported again.
 *
 * @param deps - see {@link ResolveDeps}
 * @param tenantId - the tenant, from the verified JWT
 * @param id - the sync error's id
 * @param by - who accepts (the admin's JWT subject)
 * @throws AppError `cannot_accept` (409) naming the fields that must be re-synced instead
 */
export async function acceptQuickBooksVersion(
  deps: Pick<ResolveDeps, 'syncErrors' | 'clock'>,
  tenantId: string,
  id: string,
  by: string,
) {
  const error = await openError(deps, tenantId, id);
  const blocking =
    error.kind === 'drift' ? error.diff.filter((d) => !ACCEPTABLE_FIELDS.has(d.field)) : error.diff;
  if (error.kind !== 'drift' || blocking.length > 0) {
    const fields = blocking.map((d) => d.field).join(', ') || error.kind;
    throw new AppError(
      'conflict',
      'cannot_accept',
      `QuickBooks' version cannot be accepted for ${fields}: re-sync, or dismiss with a reason.`,
    );
  }
  const at = new Date(deps.clock.now()).toISOString();
  return deps.syncErrors.resolve(tenantId, id, { state: 'accepted', by, at, reason: null });
}

/**
 * "Dismiss": the admin decides to live with this difference, saying why; it is not reported again
 * unless it changes.
 *
 * @param deps - see {@link ResolveDeps}
 * @param tenantId - the tenant, from the verified JWT
 * @param id - the sync error's id
 * @param by - who dismisses
 * @param reason - why
 */
export async function dismissSyncError(
  deps: Pick<ResolveDeps, 'syncErrors' | 'clock'>,
  tenantId: string,
  id: string,
  by: string,
  reason: string,
) {
  await openError(deps, tenantId, id);
  const at = new Date(deps.clock.now()).toISOString();
  return deps.syncErrors.resolve(tenantId, id, { state: 'dismissed', by, at, reason });
}
