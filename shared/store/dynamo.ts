import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '#shared/observability/tracer.ts';

/**
 * The document client every repository uses, created once per process. Its endpoint comes from the
 * SDK's own configuration: in AWS the regional endpoint; locally and in tests
 * `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local, so repositories have no local branch.
 */
export const documentClient = DynamoDBDocumentClient.from(
  // Traced: every DynamoDB call is an X-Ray subsegment in Lambda.
  tracer.captureAWSv3Client(new DynamoDBClient({})),
  {
    marshallOptions: { removeUndefinedValues: true },
  },
);
