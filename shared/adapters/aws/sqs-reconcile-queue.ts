import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributes } from '#shared/adapters/aws/sqs-attributes.ts';
import type { ReconcileQueue } from '#shared/ports/reconcile-queue.ts';
import type { ReconcileRequest } from '#shared/use-cases/reconcile-tenant.ts';

const sqs = new SQSClient({});

/** {@link ReconcileQueue} on the standard SQS reconcile queue (where the schedules send too). */
export class SqsReconcileQueue implements ReconcileQueue {
  /** @param queueUrl - the reconcile queue */
  constructor(private readonly queueUrl: string) {}

  async send(request: ReconcileRequest): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(request),
        MessageAttributes: messageAttributes(),
      }),
    );
  }
}
