import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { documentClient } from '#shared/store/dynamo.ts';
import { tenantPk } from '#shared/store/keys.ts';
import { type ItemRef, ReadAhead, readItem } from '#shared/store/read-ahead.ts';
import { syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';

/** Items a use case reads together: one request per 100 instead of one each. */
describe('ReadAhead on DynamoDB', () => {
  const ref = (tenantId: string, n: number): ItemRef => ({
    tableName: syncStateTable.localName,
    key: { pk: tenantPk(tenantId), sk: `TEST#${n}` },
  });

  it('reads 150 items in two requests, hands each out once, and knows the absent ones', async () => {
    const tenantId = newTenantId();
    for (let n = 0; n < 140; n++) {
      await documentClient.send(
        new PutCommand({
          TableName: syncStateTable.localName,
          Item: { ...ref(tenantId, n).key, n },
        }),
      );
    }
    const send = vi.spyOn(documentClient, 'send');
    const refs = Array.from({ length: 150 }, (_, n) => ref(tenantId, n));
    const ahead = await ReadAhead.of(refs);
    expect(send).toHaveBeenCalledTimes(2);

    expect((await readItem(ref(tenantId, 7), ahead))?.n).toBe(7);
    expect(await readItem(ref(tenantId, 145), ahead)).toBeUndefined();
    expect(send).toHaveBeenCalledTimes(2);

    // Handed out once: a second read of the same item goes to the table and sees a change.
    await documentClient.send(
      new PutCommand({
        TableName: syncStateTable.localName,
        Item: { ...ref(tenantId, 7).key, n: 'changed' },
      }),
    );
    expect((await readItem(ref(tenantId, 7), ahead))?.n).toBe('changed');
    send.mockRestore();
  });
});
