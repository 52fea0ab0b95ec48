/** A reconcile request: from the tenant's nightly schedule, or an admin's "run now". */
export interface ReconcileRequest {
  readonly tenantId: string;
  /** The scheduled instant (ISO-8601); its tenant-local date keys the run. */
  readonly scheduledFor: string;
  readonly manual?: boolean;
  /**
   * Also replay QBO's changes since this instant (ISO-8601) through CDC, as if their webhooks had
   * arrived: an operator's repair after a webhook outage (docs/runbook.md).
   */
  readonly catchUpSince?: string;
}

/** The reconcile queue (schedules and "run now" send to it). */
export interface ReconcileQueue {
  /**
   * Queues a reconcile request.
   *
   * @param request - tenant and scheduled instant
   */
  send(request: ReconcileRequest): Promise<void>;
}
