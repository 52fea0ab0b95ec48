/**
 * The soak's Lambda execution environment: a child process that runs the three queue workers
 * (push, change, reconcile) on events its parent sends over IPC. The messages themselves live in
 * the parent's {@link LocalQueue}s, as they live in SQS in AWS; this process only holds invocations
 * in flight, so killing it with SIGKILL loses exactly what a killed Lambda loses. Its own local
 * queues forward every send and visibility change to the parent.
 *
 * Protocol (see {@link WorkerHost}): parent → `{type: 'invoke', id, queue, event}`; child →
 * `{type: 'ready'}`, `{type: 'result', id, response}`, `{type: 'send' | 'delay', queue, …}`.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { localAdapters } from '#local/local-adapters.ts';
import type { LocalQueue } from '#shared/adapters/local/local-queue.ts';
import { useLocalAdapters } from '#shared/wiring/services.ts';
import {
  type WorkerInvoke,
  type WorkerMessage,
  type WorkerQueueName,
  workerQueues,
} from './worker-host.ts';

type Worker = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

const tell = (message: WorkerMessage) => process.send?.(message);

for (const [queue, local] of Object.entries(workerQueues) as [WorkerQueueName, LocalQueue][]) {
  local.forwardTo({
    send: (body, fifo, attributes) => tell({ type: 'send', queue, body, fifo, attributes }),
    // IPC keeps order: the parent applies the delay before it sees this invocation's result.
    delay: async (receiptHandle, seconds) => {
      tell({ type: 'delay', queue, receiptHandle, seconds });
    },
  });
}

// The handlers use this process's queues, which forward to the parent's.
useLocalAdapters(localAdapters);
const load = async (name: string) =>
  ((await import(`../../functions/${name}/handler.ts`)) as { handler: Worker }).handler;
const handlers: Record<WorkerQueueName, Worker> = {
  push: await load('push-worker'),
  changes: await load('change-worker'),
  reconcile: await load('reconcile-worker'),
};

process.on('message', (message: WorkerInvoke) => {
  handlers[message.queue](message.event).then(
    (response) => tell({ type: 'result', id: message.id, response }),
    () => tell({ type: 'result', id: message.id, failed: true }),
  );
});
// The parent gone (killed test run) leaves nothing behind.
process.on('disconnect', () => process.exit(0));
tell({ type: 'ready' });
