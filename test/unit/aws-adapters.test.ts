import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '#shared/adapters/aws/eventbridge-publisher.ts';
import { KmsKeyWrapper } from '#shared/adapters/aws/kms-key-wrapper.ts';
import { EventBridgeScheduleRegistry } from '#shared/adapters/aws/scheduler-registry.ts';
import { SqsFifoQueue } from '#shared/adapters/aws/sqs-fifo-queue.ts';
import { deduplicationId, messageGroup, pushKeys, pushLane } from '#shared/ports/push-queue.ts';

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

describe('Class: SqsFifoQueue (push keys)', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());
  const queue = new SqsFifoQueue(
    'https://sqs.us-east-1.amazonaws.com/123456789012/push.fifo',
    pushKeys,
  );
  const push = { tenantId: 'acme', invoiceId: 'inv_1', revision: 3 };

  it('sends to a group per tenant and invoice bucket, deduplicated per revision', async () => {
    await queue.send(push);
    await queue.send({ ...push, invoiceId: 'inv_2' });
    const [first, second] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(first).toMatchObject({
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/push.fifo',
      MessageBody: JSON.stringify(push),
      MessageGroupId: messageGroup(push),
      MessageDeduplicationId: deduplicationId(push),
    });
    expect(first?.MessageGroupId).toMatch(/^acme#\d$/);
    expect(first?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(second?.MessageDeduplicationId).not.toBe(first?.MessageDeduplicationId);
  });

  it('keeps one group for every revision of an invoice, and a new dedupe id for a re-send', async () => {
    expect(messageGroup({ ...push, revision: 4 })).toBe(messageGroup(push));
    expect(deduplicationId(push, 'resume:1')).not.toBe(deduplicationId(push));
    await queue.send(push, 'resume:1');
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      MessageDeduplicationId: deduplicationId(push, 'resume:1'),
    });
  });

  it('sends an invoice with a lane to its tenant and lane, and keeps the lane out of the body', async () => {
    // A worker of the release before parses {tenantId, invoiceId, revision} strictly.
    await queue.send({ ...push, lane: 7 });
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      MessageGroupId: 'acme#7',
      MessageBody: JSON.stringify(push),
    });
  });

  it('takes the lane from the number at the end of the invoice number, else from a hash', () => {
    expect(pushLane('inv_1', 'INV-1042')).toBe(2);
    expect(pushLane('inv_1', '2026-0019')).toBe(9);
    expect(pushLane('inv_1', 'A-1042-B')).toBe(2);
    const hashed = pushLane('inv_1', 'ABC');
    expect(hashed).toBe(pushLane('inv_1', 'XYZ'));
    expect(hashed).toBeGreaterThanOrEqual(0);
    expect(hashed).toBeLessThan(10);
    expect(messageGroup(push)).toBe(`acme#${hashed}`);
  });

  it('postpones a message by changing its visibility, within SQS bounds', async () => {
    await queue.delay('receipt-1', 90.4);
    await queue.delay('receipt-2', 10 ** 9);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: 'receipt-1',
      VisibilityTimeout: 90,
    });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: 'receipt-2',
      VisibilityTimeout: 43_200,
    });
  });
});

describe('Class: EventBridgePublisher', () => {
  const events = mockClient(EventBridgeClient);
  beforeEach(() => events.reset());
  const event = {
    type: 'invoice.paid' as const,
    tenantId: 'acme',
    invoiceId: 'inv_1',
    id: '0f3c9e2a7b1d4c5e8f6a2b3c4d5e6f70',
    sequence: 4,
    at: '2026-11-24T10:00:00.000Z',
    detail: { balance: '0.00' },
  };

  it('puts each event on the bus with its type as detail-type', async () => {
    events.on(PutEventsCommand).resolves({ Entries: [{ EventId: '1' }] });
    await new EventBridgePublisher('qbo-events').publish([event]);
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'qbo-events',
          Source: 'tradelyhq.quickbooks',
          DetailType: 'invoice.paid',
          Detail: JSON.stringify(event),
        }),
      ],
    });
  });

  it('retries rejected entries once and then fails, so the caller retries', async () => {
    events.on(PutEventsCommand).resolves({ Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(new EventBridgePublisher('qbo-events').publish([event])).rejects.toThrow(
      /rejected 1/,
    );
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });
});
