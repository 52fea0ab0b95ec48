import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '#shared/config/names.ts';
import { QUEUES } from '#shared/config/queues.ts';
import type { AppFunction } from './lambda-function.ts';
import { acknowledgeKmsGrantWildcards } from './nag.ts';
import type { Observability } from './observability.ts';
import { workQueue } from './queues.ts';

/** Props of {@link Webhooks}. */
export interface WebhooksProps {
  readonly queueKey: IKey;
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
    const queues = workQueue(this, 'Changes', {
      key: props.queueKey,
      worker: props.worker,
      definition: QUEUES.changes,
      urlVariable: ENV.changeQueueUrl,
      alarm: {
        observability: props.observability,
        id: 'ChangeDeadLetters',
        what: 'QuickBooks changes',
      },
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
  }

  /**
   * Lets a function queue changes (the public receiver, `POST /webhooks/quickbooks`).
   *
   * @param fn - the function
   */
  grantSend(fn: AppFunction): void {
    this.queue.grantSendMessages(fn);
    acknowledgeKmsGrantWildcards(fn.role as IConstruct, 'sending to the change queue');
    fn.addEnvironment(ENV.changeQueueUrl, this.queue.queueUrl);
  }
}
