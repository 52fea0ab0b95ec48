/**
 * The per-tenant nightly reconcile schedules: `cron(0 2 * * ? *)` in the tenant's time zone
 * (EventBridge Scheduler in AWS, croner locally).
 */
export interface ScheduleRegistry {
  /**
   * Creates the tenant's schedule, or moves it to a new time zone.
   *
   * @param tenantId - the tenant
   * @param timezone - IANA time zone
   */
  upsert(tenantId: string, timezone: string): Promise<void>;

  /**
   * Deletes the tenant's schedule; deleting one that does not exist is not an error.
   *
   * @param tenantId - the tenant
   */
  delete(tenantId: string): Promise<void>;
}

/** What a schedule delivers to the reconcile queue. */
export interface ReconcileRequest {
  readonly tenantId: string;
  /** The scheduled instant (ISO-8601), from which the run derives the tenant-local date. */
  readonly scheduledFor: string;
}

/** Name of a tenant's schedule (Scheduler names: ≤ 64 of `[0-9a-zA-Z-_.]`). */
export const scheduleName = (tenantId: string): string => `reconcile-${tenantId}`;
