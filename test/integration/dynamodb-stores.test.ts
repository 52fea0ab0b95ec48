import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { ensureTables, LOCAL_AWS } from '#local/dynamodb-local.ts';
import {
  type DynamoDbStore,
  javaMajorVersion,
  type RunningStore,
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
        Key: { pk: `OAUTH#${tenantId}`, sk: 'OAUTHSTATE#expired' },
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

describe.each(stores)('transactions on the $store store', ({ store, runs }) => {
  const table = syncStateTable.localName;
  const key = (name: string) => ({ pk: `TX#${name}`, sk: 'TX' });

  // One store for the block, started only where it runs; each test uses keys of its own.
  let started: RunningStore | undefined;
  let shared: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    if (!runs) return;
    started = await startStore(store);
    await ensureTables(started.endpoint, [syncStateTable]);
    shared = clientFor(started.endpoint);
  }, 60_000);
  afterAll(async () => {
    shared?.destroy();
    await started?.stop();
  });
  const withStore = (run: (db: DynamoDBDocumentClient) => Promise<void>) =>
    run(shared as DynamoDBDocumentClient);
  const read = async (db: DynamoDBDocumentClient, name: string) =>
    (await db.send(new GetCommand({ TableName: table, Key: key(name), ConsistentRead: true })))
      .Item;
  const cancelled = (err: unknown) => {
    expect(err).toBeInstanceOf(TransactionCanceledException);
    return (err as TransactionCanceledException).CancellationReasons?.map((r) => r.Code);
  };

  it.runIf(runs)('applies every action, or none when one condition fails', async () => {
    await withStore(async (db) => {
      await db.send(new PutCommand({ TableName: table, Item: { ...key('a'), n: 1 } }));
      await db.send(new PutCommand({ TableName: table, Item: { ...key('gone'), n: 0 } }));
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...key('b'), n: 2 } } },
            {
              Update: {
                TableName: table,
                Key: key('a'),
                UpdateExpression: 'SET n = n + :one',
                ConditionExpression: 'n = :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            { Delete: { TableName: table, Key: key('gone') } },
            {
              ConditionCheck: {
                TableName: table,
                Key: key('absent'),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      expect([await read(db, 'a'), await read(db, 'b'), await read(db, 'gone')]).toEqual([
        { ...key('a'), n: 2 },
        { ...key('b'), n: 2 },
        undefined,
      ]);
      expect(await read(db, 'absent')).toBeUndefined();

      const refused = await db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: table, Item: { ...key('c'), n: 3 } } },
              { Delete: { TableName: table, Key: key('b') } },
              {
                Update: {
                  TableName: table,
                  Key: key('a'),
                  UpdateExpression: 'SET n = :nine',
                  ConditionExpression: 'n = :one',
                  ExpressionAttributeValues: { ':one': 1, ':nine': 9 },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
            ],
          }),
        )
        .catch((err: unknown) => err);
      expect(cancelled(refused)).toEqual(['None', 'None', 'ConditionalCheckFailed']);
      expect((refused as TransactionCanceledException).CancellationReasons?.[2]?.Item).toEqual({
        pk: { S: 'TX#a' },
        sk: { S: 'TX' },
        n: { N: '2' },
      });
      // Nothing of it happened: c was not put, b not deleted, a not changed.
      expect([await read(db, 'a'), await read(db, 'b'), await read(db, 'c')]).toEqual([
        { ...key('a'), n: 2 },
        { ...key('b'), n: 2 },
        undefined,
      ]);
    });
  });

  it.runIf(runs)('refuses two actions on one item', async () => {
    await withStore(async (db) => {
      const refused = await db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: table, Item: { ...key('x'), n: 1 } } },
              { Delete: { TableName: table, Key: key('x') } },
            ],
          }),
        )
        .catch((err: unknown) => err);
      expect((refused as Error).name).toBe('ValidationException');
      expect(await read(db, 'x')).toBeUndefined();
    });
  });

  it.runIf(runs)('applies a retried request once (same ClientRequestToken)', async () => {
    await withStore(async (db) => {
      const add = (token: string, by: number) =>
        new TransactWriteCommand({
          ClientRequestToken: token,
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: key('count'),
                UpdateExpression: 'ADD n :by',
                ExpressionAttributeValues: { ':by': by },
              },
            },
          ],
        });
      await db.send(add('retry-1', 1));
      await db.send(add('retry-1', 1));
      expect(await read(db, 'count')).toEqual({ ...key('count'), n: 1 });
      const mismatch = await db.send(add('retry-1', 5)).catch((err: unknown) => err);
      expect((mismatch as Error).name).toBe('IdempotentParameterMismatchException');
      expect(await read(db, 'count')).toEqual({ ...key('count'), n: 1 });
    });
  });

  it.runIf(runs)('isolates transactions from each other and from single writes', async () => {
    await withStore(async (db) => {
      await db.send(new PutCommand({ TableName: table, Item: { ...key('seats'), n: 0 } }));
      // 20 at once each take a seat while fewer than 8 are taken, and record who took it.
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db
            .send(
              new TransactWriteCommand({
                TransactItems: [
                  {
                    Update: {
                      TableName: table,
                      Key: key('seats'),
                      UpdateExpression: 'SET n = n + :one',
                      ConditionExpression: 'n < :max',
                      ExpressionAttributeValues: { ':one': 1, ':max': 8 },
                    },
                  },
                  { Put: { TableName: table, Item: { ...key(`seat-${i}`), by: i } } },
                ],
              }),
            )
            .then(
              () => 'took',
              (err: unknown) => cancelled(err)?.join(','),
            ),
        ),
      );
      expect(outcomes.filter((o) => o === 'took')).toHaveLength(8);
      expect(outcomes.filter((o) => o !== 'took')).toEqual(
        Array(12).fill('ConditionalCheckFailed,None'),
      );
      const seats = await Promise.all(Array.from({ length: 20 }, (_, i) => read(db, `seat-${i}`)));
      expect(seats.filter(Boolean)).toHaveLength(8);
      expect(await read(db, 'seats')).toEqual({ ...key('seats'), n: 8 });
    });
  });
});
