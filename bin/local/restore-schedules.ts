import type { LocalScheduleRegistry } from '#shared/adapters/local/local-schedule-registry.ts';
import type { ConnectionRepository } from '#shared/store/connection-repository.ts';

/**
 * Local schedules live in the process; on start, re-creates one for every connected tenant, as
 * EventBridge Scheduler would still have them.
 *
 * @param connections - the composition root's connections
 * @param registry - the local registry
 * @returns how many schedules were restored
 */
export async function restoreSchedules(
  connections: Pick<ConnectionRepository, 'forEachConnection'>,
  registry: LocalScheduleRegistry,
): Promise<number> {
  let count = 0;
  await connections.forEachConnection(async (page) => {
    for (const connection of page.filter((c) => c.status === 'connected')) {
      await registry.upsert(connection.tenantId, connection.timezone);
      count += 1;
    }
  });
  return count;
}
