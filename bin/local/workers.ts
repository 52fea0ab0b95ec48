import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  localChangeQueue,
  localGrantQueue,
  localPushQueue,
  localReconcileQueue,
} from '#shared/adapters/local/local-queues.ts';
import { localSchedules } from '#shared/adapters/local/local-schedule-registry.ts';

type Worker = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/**
 * Starts the queue workers of local mode: each local queue delivers to the same Lambda handler that
 * consumes its SQS queue in AWS. Handlers are loaded here, after the configuration is set.
 *
 * @returns a function that stops them
 */
export async function startLocalWorkers(): Promise<() => void> {
  const push = (await import('../../functions/push-worker/handler.ts')) as { handler: Worker };
  const change = (await import('../../functions/change-worker/handler.ts')) as { handler: Worker };
  const reconcile = (await import('../../functions/reconcile-worker/handler.ts')) as {
    handler: Worker;
  };
  const grants = (await import('../../functions/grant-worker/handler.ts')) as { handler: Worker };
  localPushQueue.start(push.handler);
  localGrantQueue.start(grants.handler);
  localChangeQueue.start(change.handler);
  localReconcileQueue.start(reconcile.handler);
  // The tenants' 2 AM schedules send to the reconcile queue, as Scheduler does in AWS.
  localSchedules.setTarget((request) => localReconcileQueue.send(JSON.stringify(request)));
  return () => {
    localPushQueue.stop();
    localChangeQueue.stop();
    localReconcileQueue.stop();
    localGrantQueue.stop();
  };
}
