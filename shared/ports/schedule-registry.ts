import { createHash } from 'node:crypto';

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

/**
 * Name of a tenant's schedule. Scheduler names are at most 64 of `[0-9a-zA-Z-_.]`; a tenant id
 * too long for `reconcile-<id>` is replaced by its SHA-256 after `reconcile.`: tenant ids never
 * contain a dot, so no tenant's plain name can equal another tenant's hashed one.
 *
 * @param tenantId - the tenant
 */
export function scheduleName(tenantId: string): string {
  const plain = `reconcile-${tenantId}`;
  return plain.length <= 64
    ? plain
    : `reconcile.${createHash('sha256').update(tenantId).digest('hex').slice(0, 40)}`;
}
