import { AppError } from '#shared/errors.ts';
import { NotConnectedError } from '#shared/oauth/errors.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { ReconcileQueue } from '#shared/ports/reconcile-queue.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';
import type { ReconcileRunRepository } from '#shared/store/reconcile-run-repository.ts';

/** A "run now" that never starts frees its slot after this long. */
const MANUAL_SLOT_MS = 15 * 60_000;

/**
 * "Run the reconcile now", for the tenant's admin: queued like a scheduled run; refused while one
 * is running (one at a time).
 *
 * @param deps - connections, runs, the reconcile queue, clock
 * @param tenantId - the tenant, from the verified JWT
 * @throws NotConnectedError; AppError `reconcile_running` (409)
 */
export async function requestReconcile(
  deps: {
    readonly connections: ConnectionRepository;
    readonly runs: ReconcileRunRepository;
    readonly reconcileQueue: ReconcileQueue;
    readonly clock: Clock;
  },
  tenantId: string,
): Promise<{ status: 'queued'; scheduledFor: string }> {
  const connection = await deps.connections.get(tenantId);
  if (connection?.status !== 'connected') throw new NotConnectedError();
  const now = deps.clock.now();
  // One at a time: refused while a run holds the lock, or a "run now" waits in the queue.
  if (
    (await deps.runs.locked(tenantId, now)) ||
    !(await deps.runs.claimManual(tenantId, now, MANUAL_SLOT_MS))
  ) {
    throw new AppError('conflict', 'reconcile_running', 'A reconcile is already running.');
  }
  const scheduledFor = new Date(deps.clock.now()).toISOString();
  await deps.reconcileQueue.send({ tenantId, scheduledFor, manual: true });
  return { status: 'queued', scheduledFor };
}
