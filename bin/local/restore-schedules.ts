import type { LocalScheduleRegistry } from '#shared/adapters/local/local-schedule-registry.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * Local schedules live in the process; on start, re-creates one for every connected tenant, as
 * EventBridge Scheduler would still have them.
 *
 * @param tableName - the sync-state table
 * @param registry - the local registry
 * @returns how many schedules were restored
 */
export async function restoreSchedules(
  tableName: string,
  registry: LocalScheduleRegistry,
): Promise<number> {
  let count = 0;
  await new ConnectionRepository(tableName).forEachConnection(async (page) => {
    for (const connection of page.filter((c) => c.status === 'connected')) {
      await registry.upsert(connection.tenantId, connection.timezone);
      count += 1;
    }
  });
  return count;
}
