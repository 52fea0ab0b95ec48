import 'aws-sdk-client-mock-vitest/extend';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyWrapper } from '#shared/adapters/aws/kms-key-wrapper.ts';
import { EventBridgeScheduleRegistry } from '#shared/adapters/aws/scheduler-registry.ts';

const kms = mockClient(KMSClient);
const scheduler = mockClient(SchedulerClient);
beforeEach(() => {
  kms.reset();
  scheduler.reset();
});

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/token';
const context = { tenantId: 'acme', provider: 'quickbooks' };

describe('Class: KmsKeyWrapper', () => {
  it('asks KMS for an AES-256 data key bound to the tenant context', async () => {
    kms.on(GenerateDataKeyCommand).resolves({
      Plaintext: new Uint8Array(32),
      CiphertextBlob: new Uint8Array([1, 2, 3]),
    });
    const out = await new KmsKeyWrapper(KEY).generateDataKey(context);
    expect(out.wrapped).toEqual(new Uint8Array([1, 2, 3]));
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, {
      KeyId: KEY,
      KeySpec: 'AES_256',
      EncryptionContext: { tenantId: 'acme', provider: 'quickbooks' },
    });
  });

  it('unwraps with the same key and tenant context', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(32) });
    await new KmsKeyWrapper(KEY).unwrap(new Uint8Array([1, 2, 3]), context);
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      KeyId: KEY,
      CiphertextBlob: new Uint8Array([1, 2, 3]),
      EncryptionContext: { tenantId: 'acme', provider: 'quickbooks' },
    });
  });
});

describe('Class: EventBridgeScheduleRegistry', () => {
  const registry = new EventBridgeScheduleRegistry({
    group: 'qbo-reconcile',
    queueArn: 'arn:aws:sqs:us-east-1:123456789012:reconcile',
    roleArn: 'arn:aws:iam::123456789012:role/scheduler',
    deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:schedule-dlq',
  });

  it('sends the whole schedule on update: 2 AM in the tenant zone, no flexible window, DLQ', async () => {
    await registry.upsert('acme', 'America/Chicago');
    expect(scheduler).toHaveReceivedCommandWith(UpdateScheduleCommand, {
      Name: 'reconcile-acme',
      GroupName: 'qbo-reconcile',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'America/Chicago',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: expect.objectContaining({
        Arn: 'arn:aws:sqs:us-east-1:123456789012:reconcile',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        Input: '{"tenantId":"acme","scheduledFor":"<aws.scheduler.scheduled-time>"}',
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:schedule-dlq' },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
      }),
    });
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('creates the schedule when it does not exist yet', async () => {
    scheduler
      .on(UpdateScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'nope', Message: 'nope', $metadata: {} }));
    await registry.upsert('acme', 'Europe/London');
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'reconcile-acme',
      ScheduleExpressionTimezone: 'Europe/London',
    });
  });

  it('treats deleting a schedule that is already gone as done', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'nope', Message: 'nope', $metadata: {} }));
    await expect(registry.delete('acme')).resolves.toBeUndefined();
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: 'reconcile-acme',
      GroupName: 'qbo-reconcile',
    });
  });
});
