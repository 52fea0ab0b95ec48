/**
 * The one skeleton of every queue worker, as `tenantRoute()` is of every route: each record's body
 * parsed with its message schema (tolerant of fields it does not know: a deploy mixes releases),
 * its receive count, the logger's Lambda context and correlation id, the outcome (done, or "later"
 * by postponing the message), the failure policy, and SQS's partial batch response.
 */
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod/mini';
import { QUEUES, type QueueName } from '#shared/config/queues.ts';
import { beginRecord } from '#shared/observability/correlation.ts';
import { logger } from '#shared/observability/logger.ts';
import type { MessageDelay } from '#shared/ports/push-queue.ts';
import { backoffSeconds } from './backoff.ts';

/** One received message, parsed. */
export interface Received<M> {
  readonly message: M;
  /** Its receive count (1 the first time). */
  readonly attempt: number;
  readonly record: SQSRecord;
}

/**
 * What a record's run asks for: nothing (done), or to be received again after this many seconds
 * (0: after the queue's visibility timeout), for this reason.
 */
export type RecordOutcome =
  | undefined
  | { readonly retryAfterSeconds: number; readonly why: string };

/** How a worker treats its records. */
export interface QueueWorkerSpec<M> {
  /** The message schema (the port's); a body it refuses fails its record. */
  readonly schema: z.ZodMiniType<M>;
  /**
   * The queue it consumes (its row in `shared/config/queues.ts`). When FIFO, a failed record fails
   * the rest of its message group, so the group stays in order.
   */
  readonly consumes: QueueName;
  /** The queue, to postpone a message. */
  readonly queue: MessageDelay;
  /** The log keys of a message (tenant, company, invoice). */
  readonly logKeys: (message: M) => Record<string, string>;
  /**
   * When a run throws: `backoff` postpones the message by `backoffSeconds` of its receive
   * count; `visibility` leaves it to the queue's visibility timeout. Both log a warning naming the
   * work, then fail the record.
   */
  readonly onError: { readonly retry: 'backoff' | 'visibility'; readonly what: string };
  /** Records to drop before anything is logged (e.g. an expiry whose grant is gone). */
  readonly skip?: (message: M) => Promise<boolean>;
}

/**
 * A queue worker's Lambda handler.
 *
 * @param spec - see {@link QueueWorkerSpec}
 * @param run - the worker's function for one message: call one use case and say what it asks for
 */
export function queueWorker<M>(
  spec: QueueWorkerSpec<M>,
  run: (received: Received<M>) => Promise<RecordOutcome>,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  async function handleRecord(record: SQSRecord): Promise<void> {
    const message = spec.schema.parse(JSON.parse(record.body));
    if (await spec.skip?.(message)) return;
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    beginRecord(record, spec.logKeys(message));
    let outcome: RecordOutcome;
    try {
      outcome = await run({ message, attempt, record });
    } catch (err) {
      const retryAfterSeconds = spec.onError.retry === 'backoff' ? backoffSeconds(attempt) : 0;
      logger.warn(`${spec.onError.what} failed; it is tried again`, {
        attempt,
        retryAfterSeconds: retryAfterSeconds || 'after the visibility timeout',
        error: err,
      });
      if (retryAfterSeconds > 0) await spec.queue.delay(record.receiptHandle, retryAfterSeconds);
      throw err;
    }
    if (!outcome) return;
    if (outcome.retryAfterSeconds > 0) {
      await spec.queue.delay(record.receiptHandle, outcome.retryAfterSeconds);
    }
    // Failing the record is how SQS is told to deliver it again.
    throw new Error(outcome.why);
  }

  return async (event, context) => {
    // Which function logged what (local mode runs every function in one process).
    if (context) logger.addContext(context);
    return QUEUES[spec.consumes].fifo
      ? processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), {
          skipGroupOnError: true,
          throwOnFullBatchFailure: false,
        })
      : processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
          throwOnFullBatchFailure: false,
        });
  };
}
