import { Cron } from 'croner';
import type { ReconcileRequest } from '#shared/ports/reconcile-queue.ts';
import type { ScheduleRegistry } from '#shared/ports/schedule-registry.ts';

/**
 * {@link ScheduleRegistry} for local mode: one croner job per tenant, `0 2 * * *` in the tenant's
 * time zone. Like EventBridge Scheduler, croner skips a 2 AM that does not exist on a
 * spring-forward day and fires once on a fall-back day. Jobs live in this process only; the local
 * runtime re-creates them from the connection records when it starts.
 */
export class LocalScheduleRegistry implements ScheduleRegistry {
  private readonly jobs = new Map<string, { timezone: string; job: Cron }>();
  private target: (request: ReconcileRequest) => void = () => {};

  /**
   * Sets what a firing schedule does (the local reconcile queue).
   *
   * @param target - receives `{tenantId, scheduledFor}`
   */
  setTarget(target: (request: ReconcileRequest) => void): void {
    this.target = target;
  }

  async upsert(tenantId: string, timezone: string): Promise<void> {
    const existing = this.jobs.get(tenantId);
    if (existing?.timezone === timezone) return;
    existing?.job.stop();
    const job = new Cron('0 2 * * *', { timezone }, (self: Cron) => {
      const scheduledFor = (self.currentRun() ?? new Date()).toISOString();
      this.target({ tenantId, scheduledFor });
    });
    this.jobs.set(tenantId, { timezone, job });
  }

  async delete(tenantId: string): Promise<void> {
    this.jobs.get(tenantId)?.job.stop();
    this.jobs.delete(tenantId);
  }

  /**
   * The next run of a tenant's schedule, if it has one.
   *
   * @param tenantId - the tenant
   */
  nextRun(tenantId: string): Date | undefined {
    return this.jobs.get(tenantId)?.job.nextRun() ?? undefined;
  }

  /** Stops every job (the local runtime is stopping). */
  stopAll(): void {
    for (const { job } of this.jobs.values()) job.stop();
    this.jobs.clear();
  }
}

/** The one local registry of this process, shared by the handlers served in it. */
export const localSchedules = new LocalScheduleRegistry();
