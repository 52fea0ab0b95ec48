import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The document client every repository uses, created once per process. Its endpoint comes from the
 * SDK's own configuration: in AWS the regional endpoint; locally and in tests
 * `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local, so repositories have no local branch.
 */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
