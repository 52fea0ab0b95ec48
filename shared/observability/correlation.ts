import type { SQSRecord } from 'aws-lambda';
import { logger } from './logger.ts';

/**
 * The SQS message attribute that hands a correlation id from the sender to the worker, so the log
 * lines of an API request, of the queue message it sent and of the QBO calls made for it (each with
 * its `intuit_tid`) share one `correlation_id`.
 */
export const CORRELATION_ATTRIBUTE = 'correlationId';

/**
 * Starts the log context of one API request: its API Gateway request id is the correlation id.
 *
 * @param requestId - `requestContext.requestId`
 */
export function beginRequest(requestId: string): void {
  logger.setCorrelationId(requestId);
}

/**
 * Message attributes that carry the current correlation id to the consumer of a message; empty
 * when there is none (a scheduled run).
 */
export function correlationAttributes(): Record<string, string> {
  const id = logger.getCorrelationId();
  return typeof id === 'string' ? { [CORRELATION_ATTRIBUTE]: id } : {};
}

/**
 * Starts the log context of one queue record: drops the previous record's keys, takes the sender's
 * correlation id (the message id when the sender had none) and appends the record's own keys.
 *
 * @param record - the SQS record
 * @param keys - tenant, realm, invoice: what this record is about
 */
export function beginRecord(record: SQSRecord, keys: Record<string, string>): void {
  logger.resetKeys();
  logger.setCorrelationId(
    record.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue ?? record.messageId,
  );
  logger.appendKeys(keys);
}
