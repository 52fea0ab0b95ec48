import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { awsClient } from '#shared/adapters/aws/clients.ts';
import { type ScheduleRegistry, scheduleName } from '#shared/ports/schedule-registry.ts';

/** Where the schedules live and what they target. */
export interface SchedulerTargetConfig {
  /** The dedicated schedule group. */
  readonly group: string;
  /** ARN of the reconcile queue. */
  readonly queueArn: string;
  /** Role Scheduler assumes to send to the queue. */
  readonly roleArn: string;
  /** Queue for deliveries Scheduler gives up on. */
  readonly deadLetterArn: string;
}

/**
 * {@link ScheduleRegistry} on EventBridge Scheduler: one schedule per tenant in a dedicated group,
 * `cron(0 2 * * ? *)` in the tenant's time zone, flexible window off, sending
 * `{tenantId, scheduledFor}` to the reconcile queue, with retries and a dead-letter queue.
 * Scheduler skips a 2 AM that does not exist on a spring-forward day and fires once on a
 * fall-back day; the reconcile catches a skipped local date up on its next run.
 */
export class EventBridgeScheduleRegistry implements ScheduleRegistry {
  /** @param config - see {@link SchedulerTargetConfig} */
  constructor(private readonly config: SchedulerTargetConfig) {}

  /**
   * `UpdateSchedule` replaces the whole schedule, so every field is always sent; a missing schedule
   * is created instead.
   */
  async upsert(tenantId: string, timezone: string): Promise<void> {
    const input: UpdateScheduleCommandInput = {
      Name: scheduleName(tenantId),
      GroupName: this.config.group,
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: this.config.queueArn,
        RoleArn: this.config.roleArn,
        Input: JSON.stringify({ tenantId, scheduledFor: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumEventAgeInSeconds: 6 * 3600, MaximumRetryAttempts: 20 },
        DeadLetterConfig: { Arn: this.config.deadLetterArn },
      },
    };
    try {
      await awsClient(SchedulerClient).send(new UpdateScheduleCommand(input));
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
      await awsClient(SchedulerClient).send(new CreateScheduleCommand(input));
    }
  }

  async delete(tenantId: string): Promise<void> {
    try {
      await awsClient(SchedulerClient).send(
        new DeleteScheduleCommand({ Name: scheduleName(tenantId), GroupName: this.config.group }),
      );
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    }
  }
}
