import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { awsClient } from '#shared/adapters/aws/clients.ts';

/**
 * The document client every repository uses, on the process's one traced DynamoDB client
 * (`awsClient`), created when the first repository module loads. Its endpoint comes from the
 * SDK's own configuration: in AWS the regional endpoint; locally and in tests
 * `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB Local, so repositories have no local branch.
 */
export const documentClient = DynamoDBDocumentClient.from(awsClient(DynamoDBClient), {
  marshallOptions: { removeUndefinedValues: true },
});

/** One action of a transaction, as the repositories' `…Item` methods make them. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Applies every action or none (TransactWriteItems). The SDK gives the call a client request
 * token and resends it on a retry, so a transaction whose answer was lost is not applied twice.
 *
 * @param items - the actions, each from a repository
 * @returns the indexes of the actions whose condition refused the transaction; empty when it was
 *   applied
 */
export async function writeTogether(items: readonly TransactItem[]): Promise<number[]> {
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: [...items] }));
    return [];
  } catch (err) {
    if (!(err instanceof TransactionCanceledException)) throw err;
    const refused = (err.CancellationReasons ?? []).flatMap((reason, i) =>
      reason.Code === 'ConditionalCheckFailed' ? [i] : [],
    );
    if (refused.length === 0) throw err;
    return refused;
  }
}

/**
 * Sends a conditional write and says whether its condition held: `false` instead of
 * `ConditionalCheckFailedException`, anything else thrown as it came.
 *
 * @param write - the write, already sent
 */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}
