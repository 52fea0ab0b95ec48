import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { correlationAttributes } from '#shared/observability/correlation.ts';

/** The SQS message attributes of a message sent now: the correlation id of the work that sent it. */
export function messageAttributes(): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(correlationAttributes());
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
  );
}
