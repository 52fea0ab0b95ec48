import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { localChangeQueue, localPushQueue } from '#shared/adapters/local/local-queues.ts';

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
  localPushQueue.start(push.handler);
  localChangeQueue.start(change.handler);
  return () => {
    localPushQueue.stop();
    localChangeQueue.stop();
  };
}
