import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { ensureTables, LOCAL_AWS } from '#local/dynamodb-local.ts';
import {
  type DynamoDbStore,
  javaMajorVersion,
  STORE_DATA_FOLDER,
  startStore,
} from '#local/dynamodb-store.ts';
import { documentClient } from '#shared/store/dynamo.ts';
import { realmPk, tenantPk } from '#shared/store/keys.ts';
import { OAuthStateRepository } from '#shared/store/oauth-state-repository.ts';
import { REALM_INDEX, syncStateTable } from '#shared/store/tables.ts';
import { newTenantId } from '../support/local-api.ts';

/**
 * The two DynamoDBs `npm start` and `npm test` run on: DynamoDB Local (Java), the reference, and
 * the embedded store (dynalite) for machines without Java. What the stack relies on must hold on
 * both; where they differ, the stack must not care.
 */

function clientFor(endpoint: string) {
  const { region, ...credentials } = LOCAL_AWS;
  return DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region, credentials }));
}

const javaReady = (javaMajorVersion() ?? 0) >= 17;
const stores: { store: DynamoDbStore; runs: boolean }[] = [
  { store: 'embedded', runs: true },
  { store: 'local', runs: javaReady },
];

describe.each(stores)('npm start on the $store store, with a data folder', ({ store, runs }) => {
  it.runIf(runs)(
    'finds the tables and items of the last run, in its own sub-folder',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'qbo-data-'));
      onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
      const key = { pk: tenantPk('persist'), sk: 'CONNECTION#quickbooks' };

      const first = await startStore(store, { dataDir });
      await ensureTables(first.endpoint, [syncStateTable]);
      const writer = clientFor(first.endpoint);
      await writer.send(
        new PutCommand({ TableName: syncStateTable.localName, Item: { ...key, n: 1 } }),
      );
      writer.destroy();
      await first.stop();

      const second = await startStore(store, { dataDir });
      try {
        // The tables exist already: creating them again must be a no-op, not an error.
        await ensureTables(second.endpoint, [syncStateTable]);
        const reader = clientFor(second.endpoint);
        const { Item } = await reader.send(
          new GetCommand({ TableName: syncStateTable.localName, Key: key, ConsistentRead: true }),
        );
        reader.destroy();
        expect(Item).toEqual({ ...key, n: 1 });
      } finally {
        await second.stop();
      }
      expect(readdirSync(dataDir)).toEqual([STORE_DATA_FOLDER[store]]);
    },
    60_000,
  );
});

describe('time to live, which only DynamoDB Local turns on (dynalite has no UpdateTimeToLive)', () => {
  const store = inject('dynamoStore');

  it(`is ${store === 'local' ? 'on' : 'off'} on this run's store (${store})`, async () => {
    const { TimeToLiveDescription } = await documentClient.send(
      new DescribeTimeToLiveCommand({ TableName: syncStateTable.localName }),
    );
    expect(TimeToLiveDescription?.TimeToLiveStatus).toBe(
      store === 'local' ? 'ENABLED' : 'DISABLED',
    );
  });

  it('is not needed: an expired OAuth state still in the table is refused all the same', async () => {
    const states = new OAuthStateRepository(syncStateTable.localName);
    const tenantId = newTenantId('ttl');
    const now = Math.floor(Date.now() / 1000);
    await states.put({
      tenantId,
      subject: 'local-admin',
      nonce: 'expired',
      returnUrl: 'http://127.0.0.1/',
      allowCompanySwitch: false,
      expiresAt: now - 1,
    });
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: syncStateTable.localName,
        Key: { pk: tenantPk(tenantId), sk: 'OAUTHSTATE#expired' },
        ConsistentRead: true,
      }),
    );
    expect(Item).toBeDefined();
    expect(await states.consume(tenantId, 'expired', now)).toBeUndefined();
  });
});

describe('an empty string as an index key, which DynamoDB refuses and dynalite takes', () => {
  const store = inject('dynamoStore');
  const put = (realm: string) =>
    documentClient.send(
      new PutCommand({
        TableName: syncStateTable.localName,
        Item: { pk: tenantPk(newTenantId('gsi')), sk: 'X', realmPk: realm, realmSk: 'X' },
      }),
    );

  it(`is ${store === 'local' ? 'refused' : 'taken'} by this run's store (${store})`, async () => {
    if (store === 'local') {
      await expect(put('')).rejects.toThrow(`IndexName: ${REALM_INDEX}, IndexKey: realmPk`);
    } else {
      await expect(put('')).resolves.toBeDefined();
    }
  });

  it("never comes from the stack: a connection's realm key is prefixed, even for an empty realm id", async () => {
    expect(realmPk('')).not.toBe('');
    await expect(put(realmPk(''))).resolves.toBeDefined();
  });
});
