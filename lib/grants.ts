import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '#shared/config/names.ts';
import { QUEUES } from '#shared/config/queues.ts';
import type { AppFunction } from './lambda-function.ts';
import { acknowledgeKmsGrantWildcards } from './nag.ts';
import type { Observability } from './observability.ts';
import { workQueue } from './queues.ts';

/** Props of {@link Grants}. */
export interface GrantsProps {
  readonly queueKey: IKey;
  /** The grant worker: revokes held grants, expires confirmations, checks Disconnect notices. */
  readonly worker: AppFunction;
  readonly observability: Observability;
}

/**
 * Work on grants that no connection holds: a standard queue (a confirmation's expiry is a delayed
 * message) consumed by the grant worker with backoff; after 40 receives (about eight hours of
 * Intuit being down) a job goes to the dead-letter queue, which alarms.
 */
export class Grants extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link GrantsProps}
   */
  constructor(scope: Construct, id: string, props: GrantsProps) {
    super(scope, id);
    const queues = workQueue(this, 'Jobs', {
      key: props.queueKey,
      worker: props.worker,
      definition: QUEUES.grants,
      urlVariable: ENV.grantQueueUrl,
      alarm: {
        observability: props.observability,
        id: 'GrantDeadLetters',
        what: 'Grant revocations and checks',
      },
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    // The worker re-queues a confirmation expiry that came early.
    this.grantSend(props.worker);
  }

  /**
   * Lets a function queue grant jobs.
   *
   * @param fn - the function
   */
  grantSend(fn: AppFunction): void {
    this.queue.grantSendMessages(fn);
    acknowledgeKmsGrantWildcards(fn.role as IConstruct, 'sending to the grant queue');
    fn.addEnvironment(ENV.grantQueueUrl, this.queue.queueUrl);
  }
}
