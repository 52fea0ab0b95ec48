import { randomUUID } from 'node:crypto';
import type { CompanyProfile } from '#shared/domain/company.ts';
import { datesSince, localDate } from '#shared/domain/local-date.ts';
import { ReconnectRequiredError } from '#shared/oauth/errors.ts';
import { logger } from '#shared/observability/logger.ts';
import { publishCounts } from '#shared/observability/metrics.ts';
import type { ReconcileRequest } from '#shared/ports/reconcile-queue.ts';
import { readCompany } from '#shared/qbo/company-profile.ts';
import type { QboInvoice } from '#shared/qbo/qbo-invoice.ts';
import { quote, readOrGone, rows } from '#shared/qbo/query.ts';
import type { InvoiceRecord } from '#shared/store/invoice-repository.ts';
import type { RealmClaimRepository } from '#shared/store/realm-claim-repository.ts';
import type {
  ReconcileRun,
  ReconcileRunRepository,
} from '#shared/store/reconcile-run-repository.ts';
import { applyInvoiceState } from './apply-qbo-change.ts';
import { catchUpChanges } from './catch-up-changes.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';

/** What the reconcile needs: the change worker's dependencies and the run records. */
export interface ReconcileDeps extends InvoiceSyncDeps {
  readonly runs: ReconcileRunRepository;
  readonly claims: Pick<RealmClaimRepository, 'claimIfUnheld'>;
}

/** QBO answers at most 1000 rows per query. */
const PAGE = 1000;
/** A push that has sat this long without reaching QBO is reported as lost. */
const LOST_AFTER_MS = 30 * 60_000;
/** A run that dies keeps the lock this long at most. */
const LOCK_MS = 15 * 60_000;

/**
 * The nightly reconcile of one tenant: every invoice this stack pushed, compared with QBO's.
 *
 * - One run per tenant-local date (the key of the run record), so two deliveries for a date run
 *   once; a date with no run (a 2 AM that did not exist, an outage) is covered by the next run,
 *   which checks everything anyway. One run at a time per tenant.
 * - QBO is read in bulk: `SELECT * FROM Invoice WHERE Id IN (…)` in pages of 1000, never one
 *   request per invoice.
 * - Payment state is applied (QBO is the ledger); other disagreements open or refresh a sync error
 *   with the field-level diff; errors that are no longer true close; an invoice missing from the
 *   bulk answer is read directly, and only one QBO says is gone is `deleted_in_quickbooks`; a push that never reached QBO is `missing_in_quickbooks`.
 * - A dead grant ends the run early: the connection is `reconnect_required` (the banner).
 *
 * @param deps - see {@link ReconcileDeps}
 * @param request - see {@link ReconcileRequest}
 * @returns the finished run, or why none ran
 */
export async function reconcileTenant(
  deps: ReconcileDeps,
  request: ReconcileRequest,
): Promise<ReconcileRun | 'not_connected' | 'already_ran' | 'busy'> {
  const { tenantId } = request;
  const connection = await deps.connections.get(tenantId);
  if (!connection || connection.status === 'disconnected') return 'not_connected';
  const date = localDate(request.scheduledFor, connection.timezone);
  const runKey = request.manual ? `${date}#manual#${request.scheduledFor}` : date;
  const owner = randomUUID();
  if (!(await deps.runs.lock(tenantId, owner, deps.clock.now(), LOCK_MS))) return 'busy';
  try {
    // The last scheduled run that did its work: a failed date is not covered.
    const previous = (await deps.runs.recent(tenantId, 10)).find(
      (r) => !r.runKey.includes('#') && r.outcome === 'completed',
    );
    const run: ReconcileRun = {
      tenantId,
      runKey,
      localDate: date,
      coveredDates: request.manual ? [date] : datesSince(previous?.localDate, date),
      startedAt: new Date(deps.clock.now()).toISOString(),
    };
    if (!(await deps.runs.start(run))) return 'already_ran';
    // A connection made before claims existed gets its claim item, which routes its webhooks.
    if (connection.status === 'connected') {
      await deps.claims.claimIfUnheld(connection.realmId, tenantId, deps.clock.now());
    }
    let finished: ReconcileRun;
    let company: CompanyProfile | undefined;
    try {
      if (request.catchUpSince) {
        await catchUpChanges(deps, tenantId, Date.parse(request.catchUpSince));
      }
      ({ finished, company } = await check(deps, run, connection.realmId));
    } catch (err) {
      // Recorded as failed, so the message's retry runs it again (and the DLQ alarms if it can't).
      await deps.runs.finish({
        ...run,
        finishedAt: new Date(deps.clock.now()).toISOString(),
        outcome: 'failed',
      });
      throw err;
    }
    await deps.runs.finish(finished);
    if (finished.outcome === 'completed') {
      await deps.connections.patch(
        tenantId,
        {
          lastReconcile: finished.finishedAt ?? null,
          changesCaughtUpTo: finished.startedAt,
          // A bookkeeper may have turned on multicurrency or custom numbers since the connect.
          company,
        },
        { status: 'connected' },
      );
    }
    logger.info('Reconcile finished', { ...finished });
    publishCounts(
      {
        ReconcileRuns: 1,
        ReconcileInvoicesChecked: finished.invoicesChecked ?? 0,
        ReconcileQboRequests: finished.qboRequests ?? 0,
        ReconcileErrorsOpened: finished.errorsOpened ?? 0,
        ReconcileErrorsClosed: finished.errorsClosed ?? 0,
        ReconcileStoppedReconnectRequired: finished.outcome === 'reconnect_required' ? 1 : 0,
      },
      { tenantId },
    );
    return finished;
  } finally {
    await deps.runs.unlock(tenantId, owner);
    if (request.manual) await deps.runs.releaseManual(tenantId);
  }
}

async function check(
  deps: ReconcileDeps,
  run: ReconcileRun,
  realmId: string,
): Promise<{ finished: ReconcileRun; company?: CompanyProfile }> {
  const { tenantId } = run;
  const openBefore = await openErrorIds(deps, tenantId);
  const records = await allInvoices(deps, tenantId);
  const pushed = records.filter((r) => r.qboInvoiceId && r.realmId === realmId);
  let requests = 0;
  const now = () => new Date(deps.clock.now()).toISOString();
  let company: CompanyProfile;
  try {
    const qbo = deps.qbo(tenantId);
    requests += 2;
    company = (await readCompany(qbo, realmId)).profile;
    const inQbo = new Map<string, QboInvoice>();
    for (let i = 0; i < pushed.length; i += PAGE) {
      const ids = pushed.slice(i, i + PAGE).map((r) => quote(r.qboInvoiceId as string));
      requests += 1;
      const answer = await qbo.send<{ QueryResponse?: Record<string, unknown> }>({
        method: 'POST',
        path: 'query',
        text: `SELECT * FROM Invoice WHERE Id IN (${ids.join(',')}) MAXRESULTS ${PAGE}`,
      });
      for (const invoice of rows<QboInvoice>(answer, 'Invoice')) inQbo.set(invoice.Id, invoice);
    }
    const mappingCache = new Map<string, Promise<string | undefined>>();
    for (const record of pushed) {
      let current = inQbo.get(record.qboInvoiceId as string);
      if (!current) {
        // Absent from a bulk answer is not proof (a truncated page would flip a thousand
        // invoices at once): only a direct read that finds nothing makes it deleted.
        requests += 1;
        current = (await readOrGone<{ Invoice: QboInvoice }>(qbo, `invoice/${record.qboInvoiceId}`))
          ?.Invoice;
      }
      await applyInvoiceState(deps, tenantId, record.invoiceId, current, {
        record,
        mappingCache,
        openErrors: openBefore,
      });
    }
    await reportLostPushes(deps, records, now());
  } catch (err) {
    if (err instanceof ReconnectRequiredError) {
      return {
        finished: {
          ...run,
          finishedAt: now(),
          outcome: 'reconnect_required',
          qboRequests: requests,
        },
      };
    }
    throw err;
  }
  const openAfter = await openErrorIds(deps, tenantId);
  const finished: ReconcileRun = {
    ...run,
    finishedAt: now(),
    outcome: 'completed',
    invoicesChecked: records.length,
    qboRequests: requests,
    errorsOpened: [...openAfter].filter((id) => !openBefore.has(id)).length,
    errorsClosed: [...openBefore].filter((id) => !openAfter.has(id)).length,
  };
  return { finished, company };
}

/** Pushes queued long ago that never reached QBO (lost between queue and QBO, or stuck). */
async function reportLostPushes(
  deps: ReconcileDeps,
  records: readonly InvoiceRecord[],
  now: string,
) {
  const cutoff = deps.clock.now() - LOST_AFTER_MS;
  for (const record of records) {
    const stuck =
      !record.parked &&
      (record.status === 'queued' || record.status === 'pushing') &&
      Date.parse(record.updatedAt) < cutoff;
    if (!stuck) continue;
    // Never in QBO at all, or a newer revision of one that is: both wait in vain.
    const never = !record.qboInvoiceId;
    await deps.syncErrors.open(
      record.tenantId,
      record.invoiceId,
      {
        kind: never ? 'missing_in_quickbooks' : 'push_failed',
        docNumber: record.snapshot.docNumber,
        message: never
          ? `Sent to QuickBooks at ${record.updatedAt} but it never arrived. Re-sync to send it again.`
          : `Revision ${record.revision} was sent at ${record.updatedAt} but has not reached QuickBooks. Re-sync to send it again.`,
      },
      now,
    );
  }
}

async function allInvoices(deps: ReconcileDeps, tenantId: string): Promise<InvoiceRecord[]> {
  const all: InvoiceRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.invoices.list(tenantId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return all;
}

async function openErrorIds(deps: ReconcileDeps, tenantId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await deps.syncErrors.list(tenantId, {
      state: 'open',
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const e of page.items) ids.add(e.id);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return ids;
}
