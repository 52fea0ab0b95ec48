import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import { messageAttributes } from '#shared/adapters/aws/sqs-attributes.ts';
import { SqsMessageDelay } from '#shared/adapters/aws/sqs-fifo-queue.ts';
import type { ReconcileQueue, ReconcileRequest } from '#shared/ports/reconcile-queue.ts';

/** {@link ReconcileQueue} on the standard SQS reconcile queue (where the schedules send too). */
export class SqsReconcileQueue extends SqsMessageDelay implements ReconcileQueue {
  async send(request: ReconcileRequest): Promise<void> {
    await awsClient(SQSClient).send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(request),
        MessageAttributes: messageAttributes(),
      }),
    );
  }
}
