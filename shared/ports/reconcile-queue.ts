// zod/mini: the same checks as zod in a seventh of the bundle; see FUNCTION_BUNDLING.
import * as z from 'zod/mini';

/**
 * A reconcile request: from the tenant's nightly schedule, or an admin's "run now". Unknown fields
 * are let through (a deploy mixes releases).
 */
export const reconcileRequestSchema = z.object({
  tenantId: z.string().check(z.minLength(1)),
  /** The scheduled instant (ISO-8601); its tenant-local date keys the run. */
  scheduledFor: z.iso.datetime({ offset: true }),
  manual: z.optional(z.boolean()),
  /**
   * Also replay QBO's changes since this instant (ISO-8601) through CDC, as if their webhooks had
   * arrived: an operator's repair after a webhook outage (docs/runbook.md).
   */
  catchUpSince: z.optional(z.iso.datetime({ offset: true })),
});

/** A reconcile request: see {@link reconcileRequestSchema}. */
export type ReconcileRequest = z.infer<typeof reconcileRequestSchema>;

/** The reconcile queue (schedules and "run now" send to it). */
export interface ReconcileQueue {
  /**
   * Queues a reconcile request.
   *
   * @param request - tenant and scheduled instant
   */
  send(request: ReconcileRequest): Promise<void>;
}
