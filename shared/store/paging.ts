import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './dynamo.ts';
import { tenantPk } from './keys.ts';

/** A page request over one kind of a tenant's items (`sk` starting with a prefix). */
export interface PageQuery {
  readonly tenantId: string;
  /** Filter clauses, ANDed, over `names` and `values` (`:pk` and `:prefix` are required). */
  readonly filters: readonly string[];
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>> & { ':prefix': string };
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * One page of a tenant's items of a kind. A filter can leave a DynamoDB page short, so reading
 * goes on until the page is full or the items end. The cursor carries only the sort key: the
 * partition is always the caller's tenant, whatever a cursor says.
 *
 * @param tableName - the sync-state table
 * @param query - see {@link PageQuery}
 */
export async function pageOf<T>(
  tableName: string,
  query: PageQuery,
): Promise<{ items: T[]; cursor: string | null }> {
  const prefix = query.values[':prefix'];
  const after = query.cursor ? decodeCursor(query.cursor, prefix) : undefined;
  let startKey: Record<string, unknown> | undefined = after
    ? { pk: tenantPk(query.tenantId), sk: after }
    : undefined;
  const items: T[] = [];
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...(query.filters.length ? { FilterExpression: query.filters.join(' AND ') } : {}),
        ...(Object.keys(query.names).length ? { ExpressionAttributeNames: query.names } : {}),
        ExpressionAttributeValues: { ...query.values, ':pk': tenantPk(query.tenantId) },
        Limit: query.limit - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...((out.Items ?? []) as T[]));
    startKey = out.LastEvaluatedKey;
  } while (startKey && items.length < query.limit);
  return {
    items,
    cursor: startKey
      ? Buffer.from(JSON.stringify({ sk: startKey.sk })).toString('base64url')
      : null,
  };
}

function decodeCursor(cursor: string, prefix: string): string | undefined {
  try {
    const { sk } = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { sk?: unknown };
    return typeof sk === 'string' && sk.startsWith(prefix) ? sk : undefined;
  } catch {
    return undefined;
  }
}
