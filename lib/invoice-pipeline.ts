import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/names.ts';
import { QUEUES } from '#shared/config/queues.ts';
import type { AppFunction } from './lambda-function.ts';
import type { Observability } from './observability.ts';
import { workQueue } from './queues.ts';

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
    const queues = workQueue(this, 'Push', {
      key: props.queueKey,
      worker: props.worker,
      definition: QUEUES.push,
      urlVariable: ENV.pushQueueUrl,
      alarm: { observability: props.observability, id: 'PushDeadLetters', what: 'Invoice pushes' },
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    props.worker.addEnvironment(ENV.pushMaxReceives, String(QUEUES.push.maxReceives));
  }

  /**
   * Lets a function queue pushes.
   *
   * @param fn - the function
   */
  grantSend(fn: AppFunction): void {
    this.queue.grantSendMessages(fn);
    fn.addEnvironment(ENV.pushQueueUrl, this.queue.queueUrl);
  }
}
