import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Effect,
  type IGrantable,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '#shared/config/names.ts';
import type { AppFunction } from './lambda-function.ts';
import { acknowledgeKmsGrantWildcards } from './nag.ts';
import { secureQueue } from './queues.ts';

/** Props of {@link NightlyReconcile}. */
export interface NightlyReconcileProps {
  /** Encrypts the queues. */
  readonly queueKey: IKey;
}

/**
 * The nightly reconcile's plumbing: a dedicated schedule group for the per-tenant schedules (made at
 * run time by the connection lifecycle, `cron(0 2 * * ? *)` in each tenant's time zone), a
 * dead-letter queue for deliveries Scheduler gives up on, and the role Scheduler assumes, which may
 * only send to that queue and to the reconcile queue they deliver to ({@link deliverTo}).
 */
export class NightlyReconcile extends Construct {
  readonly group: ScheduleGroup;
  #queue: Queue | undefined;
  /** Where Scheduler puts a delivery it could not make after its retries. */
  readonly scheduleDeadLetters: Queue;
  readonly schedulerRole: Role;

  /**
   * @param scope - parent construct
   * @param id - construct id
   * @param props - see {@link NightlyReconcileProps}
   */
  constructor(scope: Construct, id: string, props: NightlyReconcileProps) {
    super(scope, id);
    this.group = new ScheduleGroup(this, 'Schedules', {});
    this.scheduleDeadLetters = secureQueue(this, 'ScheduleDeliveries', {
      key: props.queueKey,
      visibilityTimeout: Duration.minutes(1),
    }).queue;

    const { account } = Stack.of(this);
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        // Only schedules of this stack's group may use it (confused-deputy protection).
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: {
            'aws:SourceArn': `arn:${Stack.of(this).partition}:scheduler:${Stack.of(this).region}:${account}:schedule/${this.group.scheduleGroupName}/*`,
          },
        },
      }),
      description:
        'Lets EventBridge Scheduler send nightly reconcile requests to the reconcile queue',
    });
    this.scheduleDeadLetters.grantSendMessages(this.schedulerRole);
    acknowledgeKmsGrantWildcards(this.schedulerRole, 'sending to queues');
  }

  /**
   * Where the schedules deliver: the reconcile queue (a row of `shared/config/queues.ts`, built in
   * this construct's scope so that its logical IDs stay where they were). Scheduler may send to it.
   *
   * @param queue - the reconcile queue
   */
  deliverTo(queue: Queue): void {
    this.#queue = queue;
    queue.grantSendMessages(this.schedulerRole);
  }

  /** The reconcile queue, once {@link deliverTo} named it. */
  get queue(): Queue {
    if (!this.#queue) throw new Error('NightlyReconcile: deliverTo(queue) comes first');
    return this.#queue;
  }

  /**
   * Lets a function create and move (`UpdateSchedule`, `CreateSchedule` when it is missing, and
   * passing the scheduler role to Scheduler, nothing else), or delete, tenants' schedules in this
   * group, and hands it what the schedules need. Nothing reads a schedule back.
   *
   * @param fn - the function
   * @param use - `upsert`, `delete` or `both`
   */
  grantScheduling(fn: AppFunction, use: 'upsert' | 'delete' | 'both'): void {
    fn.addEnvironment(ENV.scheduleGroup, this.group.scheduleGroupName);
    fn.addEnvironment(ENV.reconcileQueueArn, this.queue.queueArn);
    fn.addEnvironment(ENV.schedulerRoleArn, this.schedulerRole.roleArn);
    fn.addEnvironment(ENV.scheduleDlqArn, this.scheduleDeadLetters.queueArn);
    const { partition, region, account } = Stack.of(this);
    const group = this.group.scheduleGroupName;
    const schedules = `arn:${partition}:scheduler:${region}:${account}:schedule/${group}/reconcile*`;
    const upserts = use !== 'delete';
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          ...(upserts ? ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule'] : []),
          ...(use !== 'upsert' ? ['scheduler:DeleteSchedule'] : []),
        ],
        resources: [schedules],
      }),
    );
    if (upserts) this.passRole(fn);
    Validations.of(fn.role as Role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${region}:${account}:schedule/${group}/reconcile*]`,
      reason:
        'One schedule per tenant is created at run time (reconcile-<tenantId>, or ' +
        'reconcile.<hash> for a long tenant id: shared/ports/schedule-registry.ts); the wildcard ' +
        "covers only those names inside this stack's own schedule group.",
    });
  }

  private passRole(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
