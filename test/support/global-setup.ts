import type { TestProject } from 'vitest/node';
import {
  type DynamoDbLocal,
  ensureTables,
  LOCAL_AWS,
  startDynamoDbLocal,
} from '#local/dynamodb-local.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';

let dynamo: DynamoDbLocal | undefined;

/**
 * Starts one in-memory DynamoDB Local for the whole run, creates the stack's tables in it and hands
 * its endpoint to the test workers, which point the AWS SDK at it through the environment.
 */
export async function setup(project: TestProject): Promise<void> {
  dynamo = await startDynamoDbLocal();
  await ensureTables(dynamo.endpoint, [syncStateTable, tenantProviderKeysTable]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('localAws', LOCAL_AWS);
}

export async function teardown(): Promise<void> {
  await dynamo?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    localAws: typeof LOCAL_AWS;
  }
}
