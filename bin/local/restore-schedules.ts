import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { LocalScheduleRegistry } from '#shared/adapters/local/local-schedule-registry.ts';
import { connectionSk } from '#shared/store/keys.ts';

/**
 * Local schedules live in the process; on start, re-creates one for every connected tenant, as
 * EventBridge Scheduler would still have them. (A scan is fine for a local table; AWS never needs
 * this.)
 *
 * @param tableName - the sync-state table
 * @param registry - the local registry
 * @returns how many schedules were restored
 */
export async function restoreSchedules(
  tableName: string,
  registry: LocalScheduleRegistry,
): Promise<number> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  let count = 0;
  const pages = paginateScan(
    { client },
    {
      TableName: tableName,
      FilterExpression: 'sk = :sk AND #status = :connected',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sk': connectionSk('quickbooks'), ':connected': 'connected' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      await registry.upsert(String(item.tenantId), String(item.timezone));
      count += 1;
    }
  }
  client.destroy();
  return count;
}
