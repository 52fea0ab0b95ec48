import type { Clock } from '#shared/ports/clock.ts';
import type { ReconcileQueue } from '#shared/ports/reconcile-queue.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { fleetHealth } from './fleet-health.ts';
import { markReconnectRequired } from './mark-reconnect-required.ts';

/** What the operator commands need (docs/runbook.md): the composition root's `services()`. */
export interface OpsDeps {
  readonly connections: ConnectionRepository;
  readonly syncErrors: Pick<SyncErrorRepository, 'countOpen'>;
  readonly reconcileQueue: ReconcileQueue;
  readonly clock: Clock;
}

/**
 * Moves a queue's dead letters back into it, as the platform can: SQS's message move task in AWS,
 * the local queue's own redrive in local mode.
 *
 * @param queue - the queue as the operator named it (`push`, `changes`, `reconcile`)
 * @returns what the platform reports
 */
export type Redrive = (queue: string) => Promise<unknown>;

/**
 * Runs one of the runbook's commands by name, with the same use cases against AWS
 * (`npm run ops -- … --aws`) and the local stack (`/_local/ops/<command>`).
 *
 * @param deps - see {@link OpsDeps}
 * @param redrive - see {@link Redrive}
 * @param command - `health`, `redrive`, `reconcile` or `reconnect-prompt`
 * @param input - the command's arguments: `queue`, `tenantId`, `since`, `reason`
 * @returns the command's result, or `undefined` for an unknown command
 */
export async function runOpsCommand(
  deps: OpsDeps,
  redrive: Redrive,
  command: string,
  input: Readonly<Record<string, unknown>>,
): Promise<unknown> {
  switch (command) {
    case 'health':
      return fleetHealth(deps);
    case 'redrive':
      return redrive(String(input.queue));
    case 'reconcile':
      return rerunReconcile(
        deps,
        String(input.tenantId),
        typeof input.since === 'string' ? input.since : undefined,
      );
    case 'reconnect-prompt':
      return forceReconnectPrompt(
        deps,
        String(input.tenantId),
        String(input.reason ?? 'Requested by support'),
      );
    default:
      return undefined;
  }
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
  deps: Pick<OpsDeps, 'connections' | 'reconcileQueue' | 'clock'>,
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
  await deps.reconcileQueue.send({
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
