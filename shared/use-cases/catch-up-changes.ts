import { logger } from '#shared/observability/logger.ts';
import type { QboInvoice } from '#shared/qbo/qbo-invoice.ts';
import { applyInvoiceState } from './apply-qbo-change.ts';
import type { InvoiceSyncDeps } from './invoice-sync-deps.ts';

/** CDC looks back at most 30 days; stay a day inside. */
const CDC_WINDOW_MS = 29 * 24 * 3600_000;
/** Overlap with the previous catch-up, so a change at the boundary is never missed. */
const OVERLAP_MS = 5 * 60_000;

type CdcInvoice = QboInvoice & { readonly status?: string };

/**
 * Catches up on webhooks that never arrived (Intuit: "make a ChangeDataCapture call dating back to
 * the last known successfully processed webhook event"). One CDC request lists every Invoice
 * changed since the last catch-up (a payment changes its invoices' balances, so Invoice is enough;
 * deleted ones come as stubs), and each of ours is brought to QBO's state exactly as a webhook
 * would. Runs after a reconnect and in the nightly reconcile.
 *
 * @param deps - see {@link InvoiceSyncDeps}
 * @param tenantId - the tenant
 * @param since - epoch ms of the last catch-up (or the connection time)
 * @returns how many of our invoices changed status, and the time to resume from next time
 */
export async function catchUpChanges(
  deps: InvoiceSyncDeps,
  tenantId: string,
  since: number,
): Promise<{ changed: number; nextSince: number }> {
  const connection = await deps.connections.get(tenantId);
  if (connection?.status !== 'connected') return { changed: 0, nextSince: since };
  const now = deps.clock.now();
  const from = Math.max(since - OVERLAP_MS, now - CDC_WINDOW_MS);
  const answer = await deps.qbo(tenantId).send<{
    CDCResponse?: { QueryResponse?: { Invoice?: CdcInvoice[] }[] }[];
  }>({
    method: 'GET',
    path: 'cdc',
    query: { entities: 'Invoice', changedSince: new Date(from).toISOString() },
  });
  const invoices = (answer.CDCResponse ?? []).flatMap((r) =>
    (r.QueryResponse ?? []).flatMap((q) => q.Invoice ?? []),
  );
  let changed = 0;
  for (const qboInvoice of invoices) {
    const invoiceId = await deps.links.invoiceOf(tenantId, connection.realmId, qboInvoice.Id);
    if (!invoiceId) continue;
    const gone = qboInvoice.status === 'Deleted';
    if (await applyInvoiceState(deps, tenantId, invoiceId, gone ? undefined : qboInvoice)) {
      changed += 1;
    }
  }
  logger.info('Caught up on QuickBooks changes', { tenantId, seen: invoices.length, changed });
  return { changed, nextSince: now };
}
