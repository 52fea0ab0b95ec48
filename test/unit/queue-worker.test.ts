/**
 * `queueWorker()`: the one skeleton of the four queue workers. Records are parsed with the port's
 * schema (unknown fields let through), a "later" postpones its message, a failure backs off or
 * waits for the visibility timeout, a FIFO failure holds back the rest of its group, and each
 * record's log lines name the function and the message's keys.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { logger } from '#shared/observability/logger.ts';
import { pushMessageSchema } from '#shared/ports/push-queue.ts';
import { type QueueWorkerSpec, queueWorker } from '#shared/worker/queue-worker.ts';
import { type QueuedMessage, sqsEvent } from '../fixtures/aws-events.ts';

const FIFO_ARN = 'arn:aws:sqs:us-east-1:123456789012:push.fifo';
const context = { functionName: 'push-worker', awsRequestId: 'req-9' } as Context;

type Push = { tenantId: string; invoiceId: string; revision: number };

function harness(overrides: Partial<QueueWorkerSpec<Push>> = {}) {
  const delays: [string, number][] = [];
  const spec = {
    schema: pushMessageSchema,
    consumes: 'push' as const,
    queue: {
      delay: async (receipt: string, seconds: number) => {
        delays.push([receipt, seconds]);
      },
    },
    logKeys: (m: Push) => ({
      tenantId: m.tenantId,
      invoiceId: m.invoiceId,
    }),
    onError: { retry: 'backoff' as const, what: 'An invoice push' },
    ...overrides,
  };
  return { spec, delays };
}

const push = (
  invoiceId: string,
  extra: Record<string, unknown> = {},
  receiveCount = 1,
): QueuedMessage => ({
  body: JSON.stringify({ tenantId: 'acme', invoiceId, revision: 1, ...extra }),
  groupId: 'acme#1',
  receiveCount,
});

describe('Function: queueWorker', () => {
  it('runs each record with its parsed message and receive count; unknown fields pass', async () => {
    const { spec } = harness();
    const seen: string[] = [];
    const handler = queueWorker(spec, async ({ message, attempt }) => {
      seen.push(`${message.invoiceId}@${attempt}`);
      return undefined;
    });
    const answer = await handler(
      sqsEvent(FIFO_ARN, [push('a', { addedByANewerRelease: true }), push('b', {}, 3)]),
      context,
    );
    expect(answer.batchItemFailures).toEqual([]);
    expect(seen).toEqual(['a@1', 'b@3']);
  });

  it('fails a record whose body its schema refuses, without running it', async () => {
    const { spec } = harness({ consumes: 'grants' });
    const run = vi.fn(async () => undefined);
    const event = sqsEvent('arn:aws:sqs:us-east-1:123456789012:grants', [
      { body: JSON.stringify({ tenantId: '', invoiceId: 'x', revision: 0 }) },
    ]);
    const answer = await queueWorker(spec, run)(event, context);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(run).not.toHaveBeenCalled();
  });

  it('postpones a record that asks to be tried later, and holds back the rest of its FIFO group', async () => {
    const { spec, delays } = harness();
    const event = sqsEvent(FIFO_ARN, [push('a'), push('b')]);
    const run = vi.fn(async () => ({ retryAfterSeconds: 42, why: 'later' }));
    const answer = await queueWorker(spec, run)(event, context);
    expect(run).toHaveBeenCalledTimes(1);
    expect(delays).toEqual([[event.Records[0]?.receiptHandle, 42]]);
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      event.Records.map((r) => r.messageId),
    );
  });

  it('backs off a failure by its receive count, or leaves it to the visibility timeout', async () => {
    const failing = async () => {
      throw new Error('QuickBooks unreachable');
    };
    const backoff = harness();
    await queueWorker(backoff.spec, failing)(sqsEvent(FIFO_ARN, [push('a', {}, 4)]), context);
    // The 4th receive: 80 s ± 50 %.
    expect(backoff.delays[0]?.[1]).toBeGreaterThanOrEqual(40);
    expect(backoff.delays[0]?.[1]).toBeLessThanOrEqual(120);
    const visibility = harness({ onError: { retry: 'visibility', what: 'A reconcile' } });
    const answer = await queueWorker(visibility.spec, failing)(
      sqsEvent(FIFO_ARN, [push('a')]),
      context,
    );
    expect(visibility.delays).toEqual([]);
    expect(answer.batchItemFailures).toHaveLength(1);
  });

  it("drops what it is told to skip, and logs each record under its function's name and keys", async () => {
    const { spec } = harness({ skip: async (m) => m.invoiceId === 'gone' });
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    try {
      await queueWorker(spec, async ({ message }) => {
        logger.info('pushed', { revision: message.revision });
        return undefined;
      })(sqsEvent(FIFO_ARN, [push('gone'), push('kept')]), context);
    } finally {
      logger.setLogLevel(level);
      write.mockRestore();
    }
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      message: 'pushed',
      function_name: 'push-worker',
      tenantId: 'acme',
      invoiceId: 'kept',
    });
  });
});
