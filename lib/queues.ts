import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MESSAGE_RETENTION_DAYS } from '#shared/config/queues.ts';
import type { AppFunction } from './lambda-function.ts';
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
  const queue = new Queue(scope, id, {
    ...common,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retentionPeriod ?? Duration.days(MESSAGE_RETENTION_DAYS),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
  });
  return { queue, deadLetterQueue };
}

/** Props of {@link workQueue}. */
export interface WorkQueueProps {
  /** Encrypts the queue and its dead-letter queue. */
  readonly key: IKey;
  /** The consumer; its timeout sets the visibility timeout (six times, AWS's advice). */
  readonly worker: AppFunction;
  /** FIFO or not, receives before the dead-letter queue, visibility (`shared/config/queues.ts`). */
  readonly definition: {
    readonly fifo: boolean;
    readonly maxReceives: number;
    readonly visibilitySeconds: number;
  };
  /** The environment variable that gives the worker the queue's URL. */
  readonly urlVariable: string;
  /** Alarms on the dead-letter queue: construct id and what the messages are. */
  readonly alarm: {
    readonly observability: Observability;
    readonly id: string;
    readonly what: string;
  };
}

/**
 * A work queue (see {@link secureQueue}) consumed one message per invocation by a worker that
 * reports partial batch failures and postpones a failed message with backoff
 * (`ChangeMessageVisibility`); the dead-letter queue alarms on its first message. One message per
 * invocation, because with FIFO a failing message would fail the rest of its group in the same
 * batch and raise their receive counts without their ever being tried.
 *
 * @param scope - parent construct
 * @param id - id of the queue; the dead-letter queue is `<id>Dlq`
 * @param props - see {@link WorkQueueProps}
 */
export function workQueue(
  scope: Construct,
  id: string,
  props: WorkQueueProps,
): { queue: Queue; deadLetterQueue: Queue } {
  const queues = secureQueue(scope, id, {
    key: props.key,
    fifo: props.definition.fifo,
    visibilityTimeout: Duration.seconds(props.definition.visibilitySeconds),
    maxReceiveCount: props.definition.maxReceives,
  });
  props.worker.addEventSource(
    new SqsEventSource(queues.queue, { batchSize: 1, reportBatchItemFailures: true }),
  );
  queues.queue.grant(props.worker, 'sqs:ChangeMessageVisibility');
  props.worker.addEnvironment(props.urlVariable, queues.queue.queueUrl);
  props.alarm.observability.alarmOnDeadLetters(
    props.alarm.id,
    queues.deadLetterQueue,
    props.alarm.what,
  );
  return queues;
}
