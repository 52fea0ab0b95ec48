import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Cron } from 'croner';
import { type FunctionName, functionsWhere, workerOf } from '#lib/functions.ts';
import { localQueues } from '#shared/adapters/local/local-queues.ts';
import { localSchedules } from '#shared/adapters/local/local-schedule-registry.ts';
import { queueEntries } from '#shared/config/queues.ts';
import { lambdaContext } from './api-gateway-event.ts';

type Worker = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** A function's handler, loaded when asked for (after the configuration is set). */
async function handlerOf<H>(name: FunctionName): Promise<H> {
  return ((await import(`../../functions/${name}/handler.ts`)) as { handler: H }).handler;
}

/**
 * Starts what invokes the functions in local mode, other than routes, from their rows in
 * `lib/functions.ts`: each local queue delivers to the handler that consumes its SQS queue in AWS,
 * and each `hourly` function runs at the top of the hour, as its EventBridge rule does.
 *
 * @returns a function that stops them
 */
export async function startLocalWorkers(): Promise<() => void> {
  const hourly = await Promise.all(
    functionsWhere((spec) => spec.trigger === 'hourly').map(async (name) => {
      const handler = await handlerOf<() => Promise<unknown>>(name);
      return new Cron('0 * * * *', { catch: true }, async () => {
        await handler();
      });
    }),
  );
  for (const [queue] of queueEntries()) {
    const name = workerOf(queue);
    const handler = await handlerOf<Worker>(name);
    // Each invocation with its function's Lambda context, so its log lines name it.
    localQueues[queue].start((event: SQSEvent) => handler(event, lambdaContext(name)));
  }
  // The tenants' 2 AM schedules send to the reconcile queue, as Scheduler does in AWS.
  localSchedules.setTarget((request) => localQueues.reconcile.send(JSON.stringify(request)));
  return () => {
    for (const queue of Object.values(localQueues)) queue.stop();
    for (const job of hourly) job.stop();
  };
}
