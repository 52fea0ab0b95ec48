import type { ReconcileRequest } from '#shared/use-cases/reconcile-tenant.ts';

/** The reconcile queue (schedules and "run now" send to it). */
export interface ReconcileQueue {
  /**
   * Queues a reconcile request.
   *
   * @param request - tenant and scheduled instant
   */
  send(request: ReconcileRequest): Promise<void>;
}
