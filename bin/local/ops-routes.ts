import {
  localChangeQueue,
  localPushQueue,
  localReconcileQueue,
  localReconcileSender,
} from '#shared/adapters/local/local-queues.ts';
import { required } from '#shared/config/runtime-env.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { ConnectionRepository } from '#shared/store/connection-repository.ts';
import { SyncErrorRepository } from '#shared/store/sync-error-repository.ts';
import { fleetHealth } from '#shared/use-cases/fleet-health.ts';
import { forceReconnectPrompt, rerunReconcile } from '#shared/use-cases/ops.ts';

const queues = { push: localPushQueue, changes: localChangeQueue, reconcile: localReconcileQueue };

/**
 * The runbook's commands against the local stack (`bin/ops.ts --local <url>` calls these): the
 * same use cases the AWS side runs, with the local queues, which live in the `npm start` process.
 *
 * @param command - `health`, `redrive`, `reconcile` or `reconnect-prompt`
 * @param input - the command's arguments
 * @returns the command's result, or `undefined` for an unknown command
 */
export async function runLocalOp(
  command: string,
  input: Record<string, unknown>,
): Promise<unknown | undefined> {
  const table = required('syncTable');
  const deps = {
    connections: new ConnectionRepository(table),
    syncErrors: new SyncErrorRepository(table),
    reconcile: localReconcileSender,
    clock: systemClock,
  };
  switch (command) {
    case 'health':
      return fleetHealth(deps);
    case 'redrive': {
      const queue = queues[String(input.queue) as keyof typeof queues];
      if (!queue) throw new Error('queue must be push, changes or reconcile');
      return { redriven: queue.redrive() };
    }
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
