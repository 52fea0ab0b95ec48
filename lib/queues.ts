import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '#shared/config/names.ts';
import {
  MESSAGE_RETENTION_DAYS,
  type QueueName,
  type QueueSpec,
  queueEntries,
} from '#shared/config/queues.ts';
import { pascal } from './functions.ts';
import type { AppFunction } from './lambda-function.ts';
import { acknowledgeKmsGrantWildcards } from './nag.ts';
import type { Observability } from './observability.ts';

/** Props of {@link secureQueue}. */
export interface SecureQueueProps {
  /** Key for server-side encryption of both queues. */
  readonly key: IKey;
  /** How long a received message stays invisible (≥ 6 × the consumer's timeout). */
  readonly visibilityTimeout: Duration;
  /** How long a message may wait. @default 14 days, the SQS maximum */
  readonly retentionPeriod?: Duration;
  /** Receives before a message goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** FIFO (ordered per message group, deduplicated) instead of standard. @default false */
  readonly fifo?: boolean;
  /**
   * Where the queue itself is made, as `Default`; its dead-letter queue is still `<id>Dlq` in
   * `scope`. @default made in `scope` as `<id>`
   */
  readonly queueScope?: Construct;
}

/**
 * A queue with secure defaults, after aws-solutions-constructs: KMS encryption, TLS-only access
 * (`enforceSSL`) and a dead-letter queue of the same kind that keeps messages 14 days.
 *
 * @param scope - parent construct
 * @param id - id of the queue; the dead-letter queue is `<id>Dlq`
 * @param props - see {@link SecureQueueProps}
 */
export function secureQueue(
  scope: Construct,
  id: string,
  props: SecureQueueProps,
): { queue: Queue; deadLetterQueue: Queue } {
  const common = {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
    ...(props.fifo ? { fifo: true } : {}),
  };
  const deadLetterQueue = new Queue(scope, `${id}Dlq`, {
    ...common,
    retentionPeriod: Duration.days(MESSAGE_RETENTION_DAYS),
    // Says it is a dead-letter queue (Guard's CT.SQS.PR.1 then needs no DLQ of its own); what
    // SQS allows anyway, since naming the source queue here would make a reference cycle.
    redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
  });
  const queue = new Queue(props.queueScope ?? scope, props.queueScope ? 'Default' : id, {
    ...common,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retentionPeriod ?? Duration.days(MESSAGE_RETENTION_DAYS),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
  });
  return { queue, deadLetterQueue };
}

/** Props of a {@link WorkQueue}. */
export interface WorkQueueProps {
  /** Its key in `shared/config/queues.ts`. */
  readonly name: QueueName;
  /** Its row there. */
  readonly spec: QueueSpec;
  /** Encrypts the queue and its dead-letter queue. */
  readonly key: IKey;
  /** Its only consumer; its timeout sets the visibility timeout (six times, AWS's advice). */
  readonly worker: AppFunction;
  /** Alarms on the dead-letter queue. */
  readonly observability: Observability;
}

/**
 * A work queue from its row (see {@link secureQueue}), consumed one message per invocation by a
 * worker that reports partial batch failures and postpones a failed message with backoff
 * (`ChangeMessageVisibility`); the dead-letter queue alarms on its first message. One message per
 * invocation, because with FIFO a failing message would fail the rest of its group in the same
 * batch and raise their receive counts without their ever being tried.
 *
 * The queue is this construct's default child and the dead-letter queue its sibling `<id>Dlq`:
 * the paths, and so the logical IDs, that the queues had before this construct existed.
 */
export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** What its messages are (the alarm's and the dashboard's words). */
  readonly holds: string;
  readonly #urlVariable: string;

  /**
   * @param scope - parent construct
   * @param id - the queue's id; the dead-letter queue is `<id>Dlq` beside it
   * @param props - see {@link WorkQueueProps}
   */
  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { spec, worker } = props;
    const queues = secureQueue(scope, id, {
      key: props.key,
      fifo: spec.fifo,
      visibilityTimeout: Duration.seconds(spec.visibilitySeconds),
      maxReceiveCount: spec.maxReceives,
      // The queue is made here as `Default` (a name CDK leaves out of logical IDs), its DLQ beside.
      queueScope: this,
    });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.#urlVariable = ENV[spec.url];
    this.holds = spec.holds;
    worker.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    this.queue.grant(worker, 'sqs:ChangeMessageVisibility');
    worker.addEnvironment(this.#urlVariable, this.queue.queueUrl);
    props.observability.alarmOnDeadLetters(
      spec.alarmId ?? `${pascal(props.name)}DeadLetters`,
      this.deadLetterQueue,
      spec.holds,
    );
  }

  /**
   * Lets a function send to the queue: `SendMessage` and the key's data-key calls, and its URL.
   *
   * @param fn - the function
   */
  grantSend(fn: AppFunction): void {
    this.queue.grantSendMessages(fn);
    acknowledgeKmsGrantWildcards(fn.role as IConstruct, `sending to the ${this.holds} queue`);
    fn.addEnvironment(this.#urlVariable, this.queue.queueUrl);
  }
}

/**
 * Every queue of `shared/config/queues.ts`, each where its row says and consumed by the function
 * whose row in `lib/functions.ts` names it as its trigger.
 *
 * @param stack - the stack
 * @param props - the key, the alarms, and each queue's worker
 */
export function workQueues(
  stack: Construct,
  props: {
    readonly key: IKey;
    readonly observability: Observability;
    readonly workerOf: (queue: QueueName) => AppFunction;
  },
): Record<QueueName, WorkQueue> {
  const built = queueEntries().map(([name, spec]) => {
    const path = (spec.constructPath ?? `${pascal(name)}Queue`).split('/');
    const id = path.pop() as string;
    // A parent that already exists is reused: the reconcile queue sits in the nightly reconcile's.
    const scope = path.reduce<Construct>(
      (parent, part) =>
        (parent.node.tryFindChild(part) as Construct) ?? new Construct(parent, part),
      stack,
    );
    const queue = new WorkQueue(scope, id, {
      name,
      spec,
      key: props.key,
      worker: props.workerOf(name),
      observability: props.observability,
    });
    return [name, queue] as const;
  });
  return Object.fromEntries(built) as Record<QueueName, WorkQueue>;
}
