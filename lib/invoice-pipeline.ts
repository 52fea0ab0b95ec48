import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PUSH_MAX_RECEIVES } from '#shared/ports/push-queue.ts';
import type { AppFunction } from './lambda-function.ts';
import type { Observability } from './observability.ts';
import { secureQueue } from './queues.ts';

/** Props of {@link InvoicePipeline}. */
export interface InvoicePipelineProps {
  /** Encrypts the queues. */
  readonly queueKey: IKey;
  /** The push worker; its timeout sets the queue's visibility timeout. */
  readonly worker: AppFunction;
  /** Alarms on the dead-letter queue. */
  readonly observability: Observability;
}

/**
 * The invoice push pipeline: a FIFO queue (one group per tenant and invoice bucket, so an
 * invoice's revisions stay in order) with a FIFO dead-letter queue, consumed by the push worker
 * with partial batch failures. The visibility timeout is six times the worker's timeout (AWS's
 * advice for Lambda consumers); retention is the 14-day maximum; an alarm fires on the first
 * dead-lettered push.
 */
export class InvoicePipeline extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link InvoicePipelineProps}
   */
  constructor(scope: Construct, id: string, props: InvoicePipelineProps) {
    super(scope, id);
    const timeout = props.worker.timeout ?? Duration.seconds(60);
    const queues = secureQueue(this, 'Push', {
      key: props.queueKey,
      fifo: true,
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      maxReceiveCount: PUSH_MAX_RECEIVES,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    props.worker.addEventSource(
      // One message per invocation: with FIFO, a failing message would fail the rest of its group
      // in the same batch and raise their receive counts without their ever being tried.
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    // The worker postpones a message with backoff (ChangeMessageVisibility).
    this.queue.grant(props.worker, 'sqs:ChangeMessageVisibility');
    props.worker.addEnvironment('PUSH_QUEUE_URL', this.queue.queueUrl);
    props.worker.addEnvironment('PUSH_MAX_RECEIVES', String(PUSH_MAX_RECEIVES));
    props.observability.alarmOnDeadLetters(
      'PushDeadLetters',
      this.deadLetterQueue,
      'Invoice pushes',
    );
  }

  /**
   * Lets a function queue pushes.
   *
   * @param fn - the function
   */
  grantSend(fn: AppFunction): void {
    this.queue.grantSendMessages(fn);
    fn.addEnvironment('PUSH_QUEUE_URL', this.queue.queueUrl);
  }
}
