import type { TestProject } from 'vitest/node';
import {
  type DynamoDbLocal,
  ensureTables,
  LOCAL_AWS,
  startDynamoDbLocal,
} from '#local/dynamodb-local.ts';
import { syncStateTable, tenantProviderKeysTable } from '#shared/store/tables.ts';
import { findStoredSecrets } from './stored-secrets.ts';

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

/**
 * After the whole suite: no table may hold a token, a code or a secret in plain text (tokens are
 * stored sealed), whichever test file wrote it. A finding fails the run.
 */
export async function teardown(): Promise<void> {
  try {
    const found = dynamo ? await findStoredSecrets(dynamo.endpoint) : [];
    if (found.length > 0) {
      // vitest only logs an error thrown here ("error during close") and exits 0: fail the run.
      process.exitCode = 1;
      const where = found.map((f) => `  ${f.table} ${f.key}: ${f.shape}`).join('\n');
      throw new Error(`Secrets stored in plain text after the suite:\n${where}`);
    }
  } finally {
    await dynamo?.stop();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    localAws: typeof LOCAL_AWS;
  }
}
