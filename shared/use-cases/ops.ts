import type { Clock } from '#shared/ports/clock.ts';
import type { ReconcileQueue } from '#shared/ports/reconcile-queue.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { markReconnectRequired } from './mark-reconnect-required.ts';

/** What the operator commands need (docs/runbook.md). */
export interface OpsDeps {
  readonly connections: ConnectionRepository;
  readonly reconcile: ReconcileQueue;
  readonly clock: Clock;
}

/**
 * Runbook: re-run one tenant's reconcile now, optionally replaying QBO's changes since an instant
 * (missed webhooks) first.
 *
 * @param deps - see {@link OpsDeps}
 * @param tenantId - the tenant
 * @param catchUpSince - replay changes since this ISO-8601 instant (within CDC's 30 days)
 */
export async function rerunReconcile(
  deps: OpsDeps,
  tenantId: string,
  catchUpSince?: string,
): Promise<{ queued: true; scheduledFor: string }> {
  const connection = await deps.connections.get(tenantId);
  if (connection?.status !== 'connected') {
    throw new Error(
      `Tenant ${tenantId} is not connected (${connection?.status ?? 'no connection'})`,
    );
  }
  const scheduledFor = new Date(deps.clock.now()).toISOString();
  await deps.reconcile.send({
    tenantId,
    scheduledFor,
    manual: true,
    ...(catchUpSince ? { catchUpSince } : {}),
  });
  return { queued: true, scheduledFor };
}

/**
 * Runbook: force the "Reconnect QuickBooks" banner for a tenant whose grant is known to be bad
 * (Intuit support says so, the tokens leaked): marks the connection `reconnect_required`.
 *
 * @param deps - see {@link OpsDeps}
 * @param tenantId - the tenant
 * @param reason - shown to the tenant's admin
 */
export async function forceReconnectPrompt(
  deps: Pick<OpsDeps, 'connections' | 'clock'>,
  tenantId: string,
  reason: string,
): Promise<{ status: string }> {
  await markReconnectRequired(deps, tenantId, reason);
  return { status: (await deps.connections.get(tenantId))?.status ?? 'no connection' };
}
