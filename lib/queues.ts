import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

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
    retentionPeriod: Duration.days(14),
  });
  const queue = new Queue(scope, id, {
    ...common,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
  });
  return { queue, deadLetterQueue };
}
