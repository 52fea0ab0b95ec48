import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import { messageAttributes } from '#shared/adapters/aws/sqs-attributes.ts';
import type { MessageDelay } from '#shared/ports/push-queue.ts';

/** How a FIFO queue groups and deduplicates its messages. */
export interface FifoKeys<M> {
  group(message: M): string;
  dedupe(message: M, reason?: string): string;
  /** The message's body; the whole message as JSON when absent. */
  body?(message: M): string;
}

/** Postpones received messages of an SQS queue (ChangeMessageVisibility), for backoff. */
export class SqsMessageDelay implements MessageDelay {
  /** @param queueUrl - the queue */
  constructor(protected readonly queueUrl: string) {}

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await awsClient(SQSClient).send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(Math.round(seconds), 43_200)),
      }),
    );
  }
}

/**
 * An SQS FIFO queue of JSON messages: the message group keeps related messages in order, the
 * deduplication id makes a repeated send a no-op (within SQS's 5-minute window; the records behind
 * the messages catch later repeats). Also postpones received messages (backoff).
 */
export class SqsFifoQueue<M> extends SqsMessageDelay {
  /**
   * @param queueUrl - the FIFO queue
   * @param keys - group and deduplication of a message
   */
  constructor(
    queueUrl: string,
    private readonly keys: FifoKeys<M>,
  ) {
    super(queueUrl);
  }

  /**
   * Sends a message.
   *
   * @param message - the message
   * @param reason - see {@link FifoKeys.dedupe}
   */
  async send(message: M, reason?: string): Promise<void> {
    await awsClient(SQSClient).send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: this.keys.body?.(message) ?? JSON.stringify(message),
        MessageGroupId: this.keys.group(message),
        MessageDeduplicationId: this.keys.dedupe(message, reason),
        MessageAttributes: messageAttributes(),
      }),
    );
  }
}
