import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { messageAttributes } from '#shared/adapters/aws/sqs-attributes.ts';
import type { GrantJob, GrantQueue } from '#shared/ports/grant-queue.ts';

const sqs = new SQSClient({});

/** {@link GrantQueue} on the standard SQS grant queue (per-message `DelaySeconds`, ≤ 900). */
export class SqsGrantQueue implements GrantQueue {
  /** @param queueUrl - the grant queue */
  constructor(private readonly queueUrl: string) {}

  async send(job: GrantJob, delaySeconds = 0): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(job),
        DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
        MessageAttributes: messageAttributes(),
      }),
    );
  }
}
