import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import type { AppFunction } from './lambda-function.ts';
import { acknowledgeKmsGrantWildcards } from './nag.ts';
import type { Observability } from './observability.ts';
import { secureQueue } from './queues.ts';

/** Props of {@link Webhooks}. */
export interface WebhooksProps {
  readonly queueKey: IKey;
  /** The public receiver (`POST /webhooks/quickbooks`): verifies, stores, queues. */
  readonly receiver: AppFunction;
  /** The change worker: re-reads QBO and applies the change. */
  readonly worker: AppFunction;
  readonly observability: Observability;
}

/**
 * QBO webhooks: the receiver queues each verified, new change on a FIFO queue (one group per
 * company, so a company's changes are applied in order, as Intuit advises) and the change worker
 * consumes it with partial batch failures. After 40 receives a change goes to the dead-letter
 * queue, which alarms; the nightly CDC catch-up repairs what it missed.
 */
export class Webhooks extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link WebhooksProps}
   */
  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const timeout = props.worker.timeout ?? Duration.seconds(60);
    const queues = secureQueue(this, 'Changes', {
      key: props.queueKey,
      fifo: true,
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      // With the worker's backoff (10 s doubling to 15 min), about eight hours of QBO outage.
      maxReceiveCount: 40,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.queue.grantSendMessages(props.receiver);
    acknowledgeKmsGrantWildcards(props.receiver.role as IConstruct, 'sending to the change queue');
    props.receiver.addEnvironment('CHANGE_QUEUE_URL', this.queue.queueUrl);
    // One message per invocation (see InvoicePipeline); a failure postpones itself with backoff.
    props.worker.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    this.queue.grant(props.worker, 'sqs:ChangeMessageVisibility');
    props.worker.addEnvironment('CHANGE_QUEUE_URL', this.queue.queueUrl);
    props.observability.alarmOnDeadLetters(
      'ChangeDeadLetters',
      this.deadLetterQueue,
      'QuickBooks changes',
    );
  }
}
