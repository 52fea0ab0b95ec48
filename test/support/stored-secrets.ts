import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS } from '#local/dynamodb-local.ts';
import { STORED_SECRET_SHAPES } from './secret-shapes.ts';

/** Where a secret was found: the table, the item's key and what it looked like, never the value. */
interface StoredSecret {
  readonly table: string;
  readonly key: string;
  readonly shape: string;
}

/** Binary attributes are read as text too: a token stored as bytes is still a token. */
const asText = (_key: string, value: unknown) =>
  value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value;

/**
 * Reads every item of every table in a local DynamoDB and lists the attributes that hold a
 * token, a code, the client secret or the webhook verifier token in plain text.
 *
 * @param endpoint - its endpoint
 */
export async function findStoredSecrets(endpoint: string): Promise<StoredSecret[]> {
  const { region, ...credentials } = LOCAL_AWS;
  const client = new DynamoDBClient({ endpoint, region, credentials });
  const documents = DynamoDBDocumentClient.from(client);
  const found: StoredSecret[] = [];
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({}));
    for (const table of TableNames) {
      for await (const page of paginateScan({ client: documents }, { TableName: table })) {
        for (const item of page.Items ?? []) {
          const text = JSON.stringify(item, asText);
          for (const [shape, pattern] of Object.entries(STORED_SECRET_SHAPES)) {
            if (pattern.test(text)) found.push({ table, key: `${item.pk} ${item.sk}`, shape });
          }
        }
      }
    }
  } finally {
    client.destroy();
  }
  return found;
}
