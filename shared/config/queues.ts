/**
 * The stack's work queues, one row each. Everything else about a queue derives from its row: the
 * CDK stack's queue, dead-letter queue, alarm, dashboard line, event source and URL variables
 * (`lib/queues.ts`), local mode's queue, worker and `/_local/queues` view (`bin/local/`), and the
 * adapters' URL (`shared/wiring/`). Its worker is the row of `lib/functions.ts` whose trigger names
 * the queue; its messages are its port's schema (`shared/ports/`). See docs/adding-a-queue.md.
 *
 * A message is retried, dead-lettered and hidden the same way in AWS and in local mode. The
 * visibility timeout is six times the worker's timeout (AWS's advice for Lambda event sources; the
 * infra test checks it against `lib/functions.ts`).
 */
import type { ENV } from './names.ts';

/** One work queue. */
export interface QueueSpec {
  /** FIFO (ordered per message group, deduplicated) or standard. */
  readonly fifo: boolean;
  /** Receives before a message goes to the dead-letter queue. */
  readonly maxReceives: number;
  /** How long a received message stays hidden (≥ 6 × the worker's timeout). */
  readonly visibilitySeconds: number;
  /** The {@link ENV} entry that gives the worker and every sender the queue's URL. */
  readonly url: keyof typeof ENV;
  /** What its messages are: the dead-letter alarm and the dashboard say it. */
  readonly holds: string;
  /**
   * Where the queue sits in the stack's construct tree, for the queues older than this table:
   * their logical IDs come from it, and a new logical ID would replace the queue and its
   * dead-letter queue with what they hold. A new queue leaves it out (`<Name>Queue`).
   */
  readonly constructPath?: string;
  /** The dead-letter alarm's construct id, likewise kept. @default `<Name>DeadLetters` */
  readonly alarmId?: string;
}

/** Every work queue of the stack. */
export const QUEUES = {
  /** Invoice pushes: FIFO per invoice group; with the worker's backoff about eight hours. */
  push: {
    fifo: true,
    maxReceives: 40,
    visibilitySeconds: 360,
    url: 'pushQueueUrl',
    holds: 'Invoice pushes',
    constructPath: 'Pipeline/Push',
  },
  /** QBO changes (webhooks): FIFO per company; about eight hours, then the nightly CDC repairs. */
  changes: {
    fifo: true,
    maxReceives: 40,
    visibilitySeconds: 360,
    url: 'changeQueueUrl',
    holds: 'QuickBooks changes',
    constructPath: 'Webhooks/Changes',
    alarmId: 'ChangeDeadLetters',
  },
  /** Nightly and "run now" reconciles; the tenants' schedules send here. */
  reconcile: {
    fifo: false,
    maxReceives: 20,
    visibilitySeconds: 1800,
    url: 'reconcileQueueUrl',
    holds: 'Reconcile runs',
    constructPath: 'Reconcile/Queue',
  },
  /** Grant revocations, confirmation expiries and Disconnect-URL checks. */
  grants: {
    fifo: false,
    maxReceives: 40,
    visibilitySeconds: 180,
    url: 'grantQueueUrl',
    holds: 'Grant revocations and checks',
    constructPath: 'Grants/Jobs',
    alarmId: 'GrantDeadLetters',
  },
} as const satisfies Record<string, QueueSpec>;

/**
 * How long every queue, and every dead-letter queue, keeps a message: SQS's longest. Whatever a
 * job names must outlive it, so that a redriven job still finds its record.
 */
export const MESSAGE_RETENTION_DAYS = 14;

/** One of the stack's work queues. */
export type QueueName = keyof typeof QUEUES;

/** The rows, typed as {@link QueueSpec}, in the table's order. */
export const queueEntries = (): [QueueName, QueueSpec][] =>
  Object.entries(QUEUES) as [QueueName, QueueSpec][];
