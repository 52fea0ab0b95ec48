import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  deduplicationId,
  type MessageDelay,
  messageGroup,
  type PushMessage,
  type PushQueue,
} from '#shared/ports/push-queue.ts';

const sqs = new SQSClient({});

/**
 * {@link PushQueue} and {@link MessageDelay} on an SQS FIFO queue: the message group keeps an
 * invoice's revisions in order, the deduplication id makes a repeated send of one revision a
 * no-op (within SQS's 5-minute window; the invoice record catches later repeats).
 */
export class SqsPushQueue implements PushQueue, MessageDelay {
  /** @param queueUrl - the FIFO push queue */
  constructor(private readonly queueUrl: string) {}

  async send(message: PushMessage, reason?: string): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: messageGroup(message),
        MessageDeduplicationId: deduplicationId(message, reason),
      }),
    );
  }

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(Math.round(seconds), 43_200)),
      }),
    );
  }
}
