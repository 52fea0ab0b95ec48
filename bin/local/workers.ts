import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  localChangeQueue,
  localGrantQueue,
  localPushQueue,
  localReconcileQueue,
} from '#shared/adapters/local/local-queues.ts';
import { localSchedules } from '#shared/adapters/local/local-schedule-registry.ts';
import { lambdaContext } from './api-gateway-event.ts';

type Worker = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/**
 * Starts the queue workers of local mode: each local queue delivers to the same Lambda handler that
 * consumes its SQS queue in AWS. Handlers are loaded here, after the configuration is set.
 *
 * @returns a function that stops them
 */
export async function startLocalWorkers(): Promise<() => void> {
  // Each invocation with its function's Lambda context, so its log lines name it.
  const worker = async (name: string) => {
    const { handler } = (await import(`../../functions/${name}/handler.ts`)) as { handler: Worker };
    return (event: SQSEvent) => handler(event, lambdaContext(name));
  };
  localPushQueue.start(await worker('push-worker'));
  localGrantQueue.start(await worker('grant-worker'));
  localChangeQueue.start(await worker('change-worker'));
  localReconcileQueue.start(await worker('reconcile-worker'));
  // The tenants' 2 AM schedules send to the reconcile queue, as Scheduler does in AWS.
  localSchedules.setTarget((request) => localReconcileQueue.send(JSON.stringify(request)));
  return () => {
    localPushQueue.stop();
    localChangeQueue.stop();
    localReconcileQueue.stop();
    localGrantQueue.stop();
  };
}
