import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import { messageAttributes } from '#shared/adapters/aws/sqs-attributes.ts';
import { SqsMessageDelay } from '#shared/adapters/aws/sqs-fifo-queue.ts';
import type { GrantJob, GrantQueue } from '#shared/ports/grant-queue.ts';

/** {@link GrantQueue} on the standard SQS grant queue (per-message `DelaySeconds`, ≤ 900). */
export class SqsGrantQueue extends SqsMessageDelay implements GrantQueue {
  async send(job: GrantJob, delaySeconds = 0): Promise<void> {
    await awsClient(SQSClient).send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(job),
        DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
        MessageAttributes: messageAttributes(),
      }),
    );
  }
}
