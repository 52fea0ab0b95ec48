import {
  localChangeQueue,
  localPushQueue,
  localReconcileQueue,
} from '#shared/adapters/local/local-queues.ts';
import { runOpsCommand } from '#shared/use-cases/ops.ts';
import { services } from '#shared/wiring/services.ts';

const queues = { push: localPushQueue, changes: localChangeQueue, reconcile: localReconcileQueue };

/** Local mode's redrive: the local queue moves its own dead letters back. */
async function redrive(name: string) {
  const queue = queues[name as keyof typeof queues];
  if (!queue) throw new Error('queue must be push, changes or reconcile');
  return { redriven: queue.redrive() };
}

/**
 * The runbook's commands against the local stack (`bin/ops.ts --local <url>` calls these): the
 * composition root's services, which local mode gave its adapters, and the local queues, which
 * live in the `npm start` process.
 *
 * @param command - `health`, `redrive`, `reconcile` or `reconnect-prompt`
 * @param input - the command's arguments
 * @returns the command's result, or `undefined` for an unknown command
 */
export function runLocalOp(command: string, input: Record<string, unknown>): Promise<unknown> {
  return runOpsCommand(services(), redrive, command, input);
}
